"""Segments over time: comparing saved snapshots, drift, and OKRs/KPIs per segment.

Modules
-------
snapshots
    Open a saved snapshot (its labels and export) as DuckDB tables.
compare
    Transitions, stayed share, flows, matching of two segmentations, ARI, sentences.
drift
    Population stability index per attribute between two exports.
kpi
    KPIs per segment and per snapshot from what segdash already computes.
okr
    Objectives and key results: progress and status against time.
"""
