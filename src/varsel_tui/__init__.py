"""varsel-tui: confidential case handling by written procedures, in the terminal."""
__version__ = "0.1.0"
