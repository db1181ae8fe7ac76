"""English in Europe: dates the British way (6 December 2026, 06/12/2026), not the US one."""

from django.conf.locale.en_GB.formats import *  # noqa: F403
