"""The commons' rows of the metrics table printed after a run and by `society metrics`."""

from __future__ import annotations

from society.games.commons.metrics import RunMetrics

# Same words as the report's overview (society/report/assets/report.js).
EFFICIENCY_NOTE = (
    "Efficiency: the group's harvest against the sustainable maximum (logistic: Σh / (T·MSY) "
    "over T rounds, MSY = r·K/4; GovSim: 1 − max(0, T·f(0) − Σh) / (T·f(0)), at most 1). "
    "Above 1: the group took more than the commons regrows at best, drawing the stock down."
)


def metrics_rows(m: RunMetrics) -> list[tuple[str, str]]:
    rows = [
        ("end reason", m.end_reason or "-"),
        ("rounds completed", f"{m.rounds_completed} / {m.rounds_limit}"),
        ("survival time", str(m.survival_time)),
        ("survived", "yes" if m.survived else "no"),
        ("final stock", f"{m.final_stock:.2f}"),
        ("gain (total)", f"{m.gain_total:.2f}"),
        ("gain (mean per agent)", f"{m.gain_total / max(1, len(m.gain_per_agent)):.2f}"),
        ("efficiency (see below)", f"{m.efficiency:.3f}"),
        ("equality", f"{m.equality:.3f}"),
        ("over-usage", f"{m.over_usage:.3f}"),
    ]
    g = m.governance
    if g.cooperation_rate is not None:
        rows.append(("cooperation rate (h ≤ G)", f"{g.cooperation_rate:.3f}"))
    if g.monitoring_rate or g.sanctions:
        rows += [
            ("monitoring rate", f"{g.monitoring_rate:.3f}"),
            ("violations detected / sanctions", f"{g.detected_violations} / {g.sanctions}"),
            ("sanction costs (punishers / fines)", f"{g.punisher_costs:g} / {g.fines:g}"),
        ]
    if g.norm_similarity is not None:
        rows.append(("norm similarity (mean)", f"{g.norm_similarity:.3f}"))
    if g.norm_trajectory and g.norm_trajectory[0] is not None:
        rows.append(
            ("norm G: first → last", f"{g.norm_trajectory[0]:g} → {g.norm_trajectory[-1]:g}")
        )
    if g.copies:
        rows.append(("strategies copied", str(g.copies)))
    for institution, numbers in m.institutions.items():
        rows += [
            (f"{institution}: {name.replace('_', ' ')}", _shown(value))
            for name, value in numbers.items()
        ]
    if m.llm.calls:
        rows += [
            ("LLM calls", str(m.llm.calls)),
            ("prompt / reply tokens", f"{m.llm.input_tokens} / {m.llm.output_tokens}"),
            ("unusable replies", str(m.llm.unusable_replies)),
            ("failed decisions", str(m.llm.failed_decisions)),
            ("backend errors / retries", f"{m.llm.backend_errors} / {m.llm.retries}"),
            ("parse-failure rate", f"{m.llm.parse_failure_rate:.3f}"),
        ]
        if m.llm.cost is not None:
            rows.append((f"cost ({m.llm.currency})", f"{m.llm.cost:.4f}"))
    return rows


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "-" if value is None else str(value)
