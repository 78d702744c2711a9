from .workspace import workspaces_of


def portal(request):
    """The workspace switcher and the current workspace, on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "workspaces": lambda: workspaces_of(user),
        "current_workspace": getattr(request, "workspace", None),
    }
