"""What every judge shares: the ``Scorer`` protocol, and the statistics (Wilson and bootstrap
intervals, kappa) that every measured rate carries."""
