"""Port-in: a tenant brings its existing numbers from another carrier (Bandwidth LNP)."""
