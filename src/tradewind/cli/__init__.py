"""The ``tradewind`` command line. Heavy imports happen inside commands, not at start-up."""
