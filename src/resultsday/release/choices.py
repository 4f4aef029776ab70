from resultsday.release.policy import ViewerKind

VIEWER_KIND_CHOICES = [(kind.value, kind.label) for kind in ViewerKind]
