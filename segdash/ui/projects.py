"""Projects in the browser: the picker in the sidebar, the Projects page, and saving a segmentation.

The URL carries the open project and the open saved segmentation (``?project=...&snapshot=...``),
so a reload or a shared link lands in the same place. Without a project, work stays in memory
as before. Disk trouble (full, read-only) is one plain sentence; the session keeps working.
"""

from __future__ import annotations

import logging

import streamlit as st

from segdash import config
from segdash.auth import open_project_for
from segdash.errors import SegdashError
from segdash.store import Store, StoreError
from segdash.ui import state
from segdash.workspace import Workspace

log = logging.getLogger(__name__)

#: Query parameters.
PROJECT_PARAM = "project"
SNAPSHOT_PARAM = "snapshot"
#: The address's name for the kept copy of segments not saved yet (each browser tab reloads its own).
WORKING_PARAM = "unsaved"
#: Name of the project made at the first start.
SAMPLE_PROJECT = "Sample"
_KEY = "segdash.projects."


def store() -> Store:
    """The server's project store (``SEGDASH_HOME``)."""
    return Store()


def current_user() -> str | None:
    """The signed-in user, when sign-in is on (projects are then private to their owner)."""
    return st.session_state.get(state.USER)


def start_session(ws: Workspace) -> None:
    """Open what the URL names, or, at the very first start, a ready "Sample" project.

    Called once per browser session, right after the workspace is made. Never raises: a
    problem with the store is shown as a warning and the session works in memory.
    """
    wanted = st.query_params.get(PROJECT_PARAM)
    try:
        home = store()
        if wanted:  # a link names the project: opened only for its owner or those it is shared with
            project = open_project_for(home, wanted, user=current_user())
            ws.open_project(project)
            snapshot = st.query_params.get(SNAPSHOT_PARAM)
            working = st.query_params.get(WORKING_PARAM)
            if snapshot and snapshot != ws.snapshot_id and any(s["id"] == snapshot for s in project.segmentations()):
                ws.open_snapshot(snapshot)
            elif working and working != ws.working_id:  # this tab's own unsaved segments
                ws.open_working(working)
            restore_inputs(ws)
            state.source_from_store(ws)
            return
        if not home.projects_dir.exists():
            _first_start(ws, home)
    except SegdashError as err:
        st.session_state[_KEY + "warning"] = str(err)
        log.warning("project not opened: %s", err)


def _first_start(ws: Workspace, home: Store) -> None:
    """The first start of a server: a "Sample" project holding the bundled sample (if any is loaded)."""
    sample = config.sample_file()
    if sample is None or not ws.has_data:
        home.ensure()
        return
    project = home.create_project(SAMPLE_PROJECT, owner=current_user())
    ws.open_project(project, restore=False)
    ws.store_dataset()


def sync_url(ws: Workspace) -> None:
    """Write the open project and snapshot into the URL (only when they changed)."""
    wanted = {PROJECT_PARAM: ws.project.id if ws.project is not None else None,
              SNAPSHOT_PARAM: ws.snapshot_id or None,
              WORKING_PARAM: ws.working_id if ws.project is not None and ws.working_current else None}
    for name, value in wanted.items():
        if value is None:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != value:
            st.query_params[name] = value


def sidebar(ws: Workspace) -> None:
    """The project picker in the sidebar (on every page)."""
    warning = st.session_state.pop(_KEY + "warning", None)
    if warning:
        st.warning(warning, icon=":material/warning:")
    with st.sidebar:
        try:
            listed = store().projects(user=current_user())
        except SegdashError as err:
            st.caption(str(err))
            return
        memory = "No project (work is not saved)"
        ids = [None, *[p.id for p in listed]]
        labels = {None: memory, **{p.id: p.name for p in listed}}
        current = ws.project.id if ws.project is not None else None
        if current not in ids:
            ids.append(current)
            labels[current] = ws.project.name
        choice = st.selectbox("Project", ids, index=ids.index(current), format_func=lambda i: labels[i],
                              key=_KEY + f"picker.{current}",
                              help="Work in a project is saved on the server and comes back after a reload.")
        if choice != current:
            _switch(ws, choice)
        if ws.project is None:
            st.caption("Working in memory: a reload loses your work. Create a project on the Projects page.")
        elif ws.snapshot_id:
            st.caption(":material/cloud_done: The segments shown are saved.")
        elif ws.engine is not None and ws.segmentation is not None:
            st.caption(f":material/database: The segments shown are in table '{_md(ws.data.labels)}' in "
                       f"{_md(ws.engine_label)}.")
        elif ws.working_current:
            st.caption(":material/cloud_sync: The current segments are not saved under a name yet (Segments page: "
                       "Save). They come back after a reload.")
        elif ws.segmentation is not None:
            st.caption(":material/cloud_off: The current segments are not saved yet (Segments page: Save).")
        st.page_link("pages/projects.py", label="Manage projects", icon=":material/folder_open:")


def keep_for_reload(ws: Workspace) -> None:
    """At the end of a run (app.py) and the start of the next (the page header): keep new segments that are
    not saved yet in the open project, with the page inputs that belong with them, so a reload (or a
    restart) brings them back. Nothing is written when nothing changed; a failure is said once, in words."""
    if ws.project is None or ws.segmentation is None or ws.snapshot_id or ws.engine is not None:
        return
    if st.session_state.get(_KEY + "keep_failed") == ws.made:
        return
    capture_inputs(ws)
    try:
        if not ws.keep_working():
            ws.keep_working_inputs()
    except Exception as err:  # noqa: BLE001 - the segments stay open in this session whatever stopped the copy
        st.session_state[_KEY + "keep_failed"] = ws.made
        reason = f" ({err})" if isinstance(err, SegdashError) else ""
        st.session_state[_KEY + "warning"] = (f"The current segments could not be kept in the project for a "
                                              f"reload{reason}. They stay open in this session; save them on the "
                                              "Segments page to keep them.")
        log.warning("segments not kept for a reload", exc_info=True)


def _switch(ws: Workspace, project_id: str | None) -> None:
    try:
        if project_id is None:
            ws.close_project()
            state.flash("Working in memory now: nothing you do is saved.")
        else:
            project = open_project_for(store(), project_id, user=current_user())
            ws.open_project(project)
            restore_inputs(ws)
            state.source_from_store(ws)
            state.flash(f"Opened project '{project.name}'.")
    except SegdashError as err:
        st.session_state[_KEY + "warning"] = str(err)
    sync_url(ws)
    st.rerun()


# -- the Projects page ---------------------------------------------------------------------------------

def project_manager(ws: Workspace) -> None:
    """Create, open, rename and delete projects."""
    st.subheader("Your projects", anchor=False)
    own_data = ws.imported is not None and (st.session_state.get(state.SOURCE) or {}).get("kind") != "sample"
    with st.form(_KEY + "create", clear_on_submit=True, border=True):
        name = st.text_input("New project name", placeholder="e.g. Spring campaign 2027")
        keep = st.checkbox("Start it with the data loaded now", value=own_data, disabled=ws.imported is None,
                           help="A loaded file is copied into the project; a table in a database stays where it is.")
        if st.form_submit_button("Create project", icon=":material/create_new_folder:"):
            _create(ws, name, keep=keep)
    try:
        listed = store().projects(user=current_user())
    except SegdashError as err:
        st.error(str(err))
        return
    if not listed:
        st.info("No projects yet. Create one above: everything you do in it is saved on the server.")
        return
    for info in listed:
        is_open = ws.project is not None and ws.project.id == info.id
        with st.container(border=True):
            top = st.columns([4, 1])
            top[0].markdown(f"**{_md(info.name)}**" + ("  ·  open now" if is_open else ""))
            top[0].caption(f"Created {info.created[:16].replace('T', ' ')}")
            if not is_open and top[1].button("Open", key=_KEY + f"open.{info.id}", icon=":material/folder_open:"):
                _switch(ws, info.id)
            with st.expander("Rename or delete"):
                new_name = st.text_input("Name", value=info.name, key=_KEY + f"name.{info.id}")
                if st.button("Rename", key=_KEY + f"rename.{info.id}"):
                    _act(lambda info=info, new_name=new_name: store().open_project(info.id).rename(new_name),
                         f"Renamed to '{' '.join(new_name.split())}'.")
                sure = st.checkbox("Yes, delete this project and everything saved in it",
                                   key=_KEY + f"sure.{info.id}")
                if st.button("Delete project", key=_KEY + f"delete.{info.id}", disabled=not sure,
                             icon=":material/delete:", type="primary"):
                    if is_open:
                        ws.close_project()
                    _act(lambda info=info: store().delete_project(info.id), f"Deleted project '{info.name}'.")


def _create(ws: Workspace, name: str, *, keep: bool) -> None:
    try:
        project = store().create_project(name, owner=current_user())
        ws.open_project(project, restore=False)
        keep = keep and ws.imported is not None  # a table in a database is not copied into a project
        if keep:
            ws.store_dataset()
        state.flash(f"Created project '{project.name}'" + (" with the data loaded now." if keep
                                                            else ". Load a customer file on the Data page."))
    except SegdashError as err:
        st.error(str(err))
        return
    sync_url(ws)
    st.rerun()


def _act(action: object, message: str) -> None:
    try:
        action()  # type: ignore[operator]
    except SegdashError as err:
        st.error(str(err))
        return
    state.flash(message)
    st.rerun()


def saved_segmentations(ws: Workspace) -> None:
    """The open project's saved segmentations: reopen, apply to the data loaded now, rename, delete."""
    if ws.project is None:
        return
    st.subheader(f"Saved in '{ws.project.name}'", anchor=False)
    try:
        snapshots = ws.project.segmentations()
        datasets = ws.project.datasets()
    except SegdashError as err:
        st.error(str(err))
        return
    if datasets:
        with st.expander(f"Data sets in this project ({len(datasets)})"):
            for entry in reversed(datasets):
                cols = st.columns([4, 1])
                loaded = entry["id"] == ws.stored_dataset_id
                cols[0].markdown(f"{_md(entry['name'])} · {int(entry.get('rows') or 0):,} rows · "
                                 f"{str(entry['created'])[:16].replace('T', ' ')}" + (" · **loaded**" if loaded else ""))
                if not loaded and cols[1].button("Load", key=_KEY + f"ds.{entry['id']}"):
                    _run_store(ws, lambda entry=entry: ws.open_dataset(entry["id"]),
                               f"Loaded '{entry['name']}' from the project.")
    if not snapshots:
        st.info("No saved segmentations yet. Make segments on the Segments page and save them there.")
        return
    for entry in reversed(snapshots):
        with st.container(border=True):
            is_open = entry["id"] == ws.snapshot_id
            cols = st.columns([4, 1, 1])
            cols[0].markdown(f"**{_md(entry['name'])}**" + ("  ·  open now" if is_open else ""))
            sizes = entry.get("sizes") or {}
            cols[0].caption(f"{_method_words(entry.get('method'))} · {len(sizes)} segments · "
                            f"{int(entry.get('customers') or 0):,} customers · data: {entry.get('dataset_name')} · "
                            f"saved {str(entry['created'])[:16].replace('T', ' ')}")
            if not is_open and cols[1].button("Reopen", key=_KEY + f"reopen.{entry['id']}",
                                              help="Load its data, segments and names again"):
                _run_store(ws, lambda entry=entry: ws.open_snapshot(entry["id"]), f"Reopened '{entry['name']}'.")
            if ws.has_data and cols[2].button("Apply to loaded data", key=_KEY + f"apply.{entry['id']}",
                                              help="Give every customer of the data loaded now a segment with "
                                                   "these saved rules or model (e.g. next month's export)"):
                _apply(ws, entry, new_cuts=bool(st.session_state.get(_KEY + f"newcuts.{entry['id']}")))
            with st.expander("More"):
                if entry.get("method") == "rfm":
                    st.checkbox("When applying: score with the new data's own quintiles (not the saved cut points)",
                                key=_KEY + f"newcuts.{entry['id']}")
                new_name = st.text_input("Name", value=entry["name"], key=_KEY + f"sname.{entry['id']}")
                if st.button("Rename", key=_KEY + f"srename.{entry['id']}"):
                    _act(lambda entry=entry, new_name=new_name: ws.project.update_segmentation(entry["id"],
                                                                                               name=new_name),
                         "Renamed the saved segmentation.")
                sure = st.checkbox("Yes, delete it", key=_KEY + f"ssure.{entry['id']}")
                if st.button("Delete", key=_KEY + f"sdelete.{entry['id']}", disabled=not sure, icon=":material/delete:"):
                    if is_open:
                        ws.snapshot_id = ""
                    _act(lambda entry=entry: ws.project.delete_segmentation(entry["id"]),
                         f"Deleted '{entry['name']}'.")
    report = st.session_state.pop(_KEY + "applied", None)
    if report:
        st.success("  \n".join(report), icon=":material/check_circle:")


def _apply(ws: Workspace, entry: dict, *, new_cuts: bool) -> None:
    try:
        with st.spinner(f"Applying '{entry['name']}' to the loaded data ..."):
            report = ws.apply_snapshot(entry["id"], new_cuts=new_cuts)
    except SegdashError as err:
        st.error(str(err))
        return
    state.flash(f"Applied '{entry['name']}' to {ws.imported.source if ws.imported else 'the loaded data'}. "
                + " ".join(report.sentences()) + " Save it on the Segments page to keep it.")
    sync_url(ws)
    st.rerun()


def _run_store(ws: Workspace, action: object, message: str) -> None:
    try:
        with st.spinner("Opening ..."):
            action()  # type: ignore[operator]
        restore_inputs(ws)
        state.source_from_store(ws)
    except SegdashError as err:
        st.error(str(err))
        return
    state.flash(message)
    sync_url(ws)
    st.rerun()


def save_box(ws: Workspace) -> None:
    """"Save this segmentation" (Segments page), or why it cannot be saved yet."""
    if ws.segmentation is None:
        return
    st.subheader("Keep these segments", anchor=False)
    if ws.engine is not None:  # the labels live in the engine; a project keeps files' snapshots only (for now)
        st.info(ws.engine_save_message(), icon=":material/database:")
        return
    if ws.project is None:
        st.info("To keep these segments after a reload and apply them to next month's file, create or open a "
                "project (sidebar, or the Projects page) and save them.", icon=":material/info:")
        return
    if ws.snapshot_id:
        st.caption(f":material/cloud_done: Saved in project '{_md(ws.project.name)}'. Renames are saved too.")
        return
    with st.form(_KEY + "save", border=True):
        name = st.text_input("Name for this segmentation", placeholder="e.g. Value tiers, March export",
                             key=_KEY + "save_name")
        if st.form_submit_button("Save segmentation", icon=":material/save:", type="primary"):
            try:
                capture_inputs(ws)
                with st.spinner("Saving ..."):
                    ws.save_segmentation(name)
            except StoreError as err:
                st.error(str(err))
                return
            state.flash(f"Saved '{' '.join(name.split())}' in project '{ws.project.name}'.")
            sync_url(ws)
            st.rerun()


#: Widget values kept with a saved segmentation (the Acquisition & ROI page's inputs).
_SAVED_INPUT_PREFIXES = {"roi": "segdash.roi."}


def capture_inputs(ws: Workspace) -> None:
    """Copy the page inputs that belong with a segmentation into ``ws.inputs`` (JSON-ready ones only)."""
    import json

    kept = st.session_state.get(state.KEPT_VALUES, {})
    for name, prefix in _SAVED_INPUT_PREFIXES.items():
        values = {}
        for key, value in kept.items():
            if not key.startswith(prefix):
                continue
            try:
                json.dumps(value)
            except (TypeError, ValueError):
                continue  # e.g. a date range: not kept
            values[key] = value
        ws.inputs[name] = values
    from segdash.ui import roi

    ws.inputs["whatif"] = roi.whatif_inputs(ws)  # the budget splits (by segment, by channel)


def restore_inputs(ws: Workspace) -> None:
    """Put the inputs saved with the open segmentation back, so the pages show them again."""
    from segdash.ui import roi

    kept = st.session_state.setdefault(state.KEPT_VALUES, {})
    for name, prefix in _SAVED_INPUT_PREFIXES.items():
        values = (ws.inputs or {}).get(name) or {}
        if values:
            state.forget_inputs(prefix)
            kept.update({k: v for k, v in values.items() if k.startswith(prefix)})
    roi.restore_whatif((ws.inputs or {}).get("whatif"))


def _method_words(method: object) -> str:
    return {"dimensions": "By dimensions", "rfm": "RFM", "kmeans": "Clustering (k-means)",
            "gmm": "Clustering (Gaussian mixture)", "hierarchical": "Clustering (Ward)"}.get(str(method), str(method))


def _md(text: object) -> str:
    from segdash.report.text import escape_markdown

    return escape_markdown(str(text))
