"""What a person would see wrong in a figure, checked on the figure itself (open, before it is saved)."""
from __future__ import annotations


def overlaps(fig) -> list[str]:
    """What a figure legend covers: another text (a title, a label, a tick label) or a panel."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in [fig._suptitle, *(t for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label,
                                                                          *ax.get_xticklabels(), *ax.get_yticklabels()))]
             if t is not None and t.get_visible() and t.get_text()]
    found = []
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        found += [f"legend over text {t.get_text()!r}" for t in texts if box.overlaps(t.get_window_extent(renderer))]
        found += [f"legend over panel {ax.get_title()!r}" for ax in fig.axes if box.overlaps(ax.get_window_extent(renderer))]
    return found
