"""What the offline servers (the Allegro emulator and the ERP simulator) share. No Django."""
