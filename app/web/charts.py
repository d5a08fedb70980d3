"""Charts drawn on the server as SVG geometry (no charting library, no CDN): the templates draw these shapes."""

WIDTH, HEIGHT, PAD = 640, 220, 32


def funnel_bars(stages: list[tuple[str, int]]) -> dict:
    """One horizontal bar per stage, its length relative to the first (largest) stage."""
    top = max([count for _, count in stages] + [1])
    row = 36
    bars = [{"stage": stage, "count": count, "y": index * row, "width": round((WIDTH - 200) * count / top, 1)}
            for index, (stage, count) in enumerate(stages)]
    return {"width": WIDTH, "height": row * len(stages), "bars": bars}


def daily_lines(daily: list[dict], caps: dict) -> dict:
    """Invites and messages per day as paired bars, with the daily caps as dashed lines across."""
    top = max([day["invites"] for day in daily] + [day["messages"] for day in daily]
              + [caps["invites"], caps["messages"], 1])
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    step = plot_w / max(len(daily), 1)

    def y(value):
        return round(PAD + plot_h - plot_h * value / top, 1)

    bars = []
    for index, day in enumerate(daily):
        x = PAD + index * step
        for offset, kind in ((0.1, "invites"), (0.5, "messages")):
            bars.append({"kind": kind, "date": day["date"].isoformat(), "count": day[kind],
                         "x": round(x + step * offset, 1), "y": y(day[kind]), "w": round(step * 0.4, 1),
                         "h": round(PAD + plot_h - y(day[kind]), 1)})
    lines = [{"kind": kind, "cap": caps[kind], "y": y(caps[kind])} for kind in ("invites", "messages")]
    labels = [{"x": round(PAD + index * step, 1), "text": day["date"].strftime("%d %b")}
              for index, day in enumerate(daily) if (len(daily) - 1 - index) % 7 == 0]  # weekly, ending today
    return {"width": WIDTH, "height": HEIGHT, "pad": PAD, "bars": bars, "caps": lines, "labels": labels,
            "top": top, "axis_y": PAD + plot_h}
