"""Outputs fed by the packet bus: HLS preview, live relays, low-latency monitor."""
