"""VistterStream: IP cameras to one program stream, browser preview and one-click go-live."""

__version__ = "0.1.0"
