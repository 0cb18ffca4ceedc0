"""The program: timeline executor, compositor, one encoder, packet bus, and the Engine that owns them."""
