"""The shell: the `tilts` command, the demo and `tilts status`. Nothing imports it."""
