from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware


class AssetsMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, plus GOV.UK Frontend's fonts and images at /assets/.

    The package's precompiled stylesheet refers to its fonts and images by the absolute path
    /assets/, so they are served there as well as under /static/.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assets = settings.GOVUK_FRONTEND_DIST / "govuk" / "assets"
        if assets.is_dir():
            self.add_files(str(assets), prefix="assets/")
