"""Plotly figures of survey answers per segment (short labels on screen, the full question on hover)."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from segdash.survey.answers import Question, ordered_codes, split_multi


def _hover(question: Question) -> str:
    return html.escape(question.column)


def answers_chart(answers: pd.DataFrame, *, question: Question, names: dict[str, str] | None = None,
                  segments: list[str] | None = None) -> go.Figure:
    """How each segment answered one question.

    One choice or ordered choices: stacked bars of the share giving each answer; several choices:
    the share choosing each option; ratings and numbers: the average per segment.

    Parameters
    ----------
    answers
        Answers with ``_segment``.
    question
        The question to draw.
    names
        Segment label -> display name.
    segments
        Segments to show, in order.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    names = names or {}
    segments = segments or [str(s) for s in answers["_segment"].value_counts().index]
    shown = [names.get(s, s) for s in segments]
    figure = go.Figure()
    hover_question = _hover(question)
    if question.type in ("likert", "number"):
        codes = ordered_codes(answers[question.column], question)
        means = codes.groupby(answers["_segment"].astype(str)).mean()
        figure.add_bar(y=shown, x=[means.get(s) for s in segments], orientation="h",
                       hovertemplate=f"{hover_question}<br>%{{y}}: average %{{x:.2f}}<extra></extra>")
        figure.update_layout(xaxis_title="Average answer")
    elif question.type == "multi":
        chosen = split_multi(answers[question.column], separator=question.separator or ";")
        shares = chosen.groupby(answers["_segment"].astype(str)).mean()
        for option in chosen.columns[:10]:
            figure.add_bar(name=str(option), y=shown, x=[shares[option].get(s) for s in segments], orientation="h",
                           hovertemplate=f"{hover_question}<br>%{{y}}: %{{x:.0%}} chose "
                                         f"{html.escape(str(option))}<extra></extra>")
        figure.update_layout(barmode="group", xaxis_tickformat=".0%", xaxis_title="Share who chose it")
    else:
        values = answers[question.column].map(lambda v: None if pd.isna(v) else " ".join(str(v).split()))
        order = [str(o) for o in question.order] if question.type == "ordinal" else list(values.value_counts().index)
        table = pd.crosstab(answers["_segment"].astype(str), values, normalize="index")
        for answer in [o for o in order if o in table.columns][:12]:
            figure.add_bar(name=answer, y=shown, x=[table[answer].get(s, 0.0) for s in segments], orientation="h",
                           hovertemplate=f"{hover_question}<br>%{{y}}: %{{x:.0%}} answered "
                                         f"{html.escape(answer)}<extra></extra>")
        figure.update_layout(barmode="stack", xaxis_tickformat=".0%", xaxis_title="Share of answers")
    figure.update_layout(title=question.label, height=120 + 28 * len(segments), margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         legend={"orientation": "h", "y": -0.25}, yaxis={"autorange": "reversed"})
    return figure
