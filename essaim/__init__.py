"""Essaim: the open atlas and commons of the digital social and solidarity economy."""
