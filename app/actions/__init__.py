"""Actions the extension carries out on LinkedIn: created by the engine, leased to the extension, reported back."""
