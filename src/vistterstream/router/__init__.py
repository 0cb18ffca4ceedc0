"""The stream router: the only owner of the preview / live mode."""
