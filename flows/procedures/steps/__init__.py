"""Steps several procedures share: written once, used by each."""
