"""Load generated DAGs in a real Apache Airflow and print, as JSON, what Airflow made of them.

Usage: python check_dags.py <dags folder> <output .json>

Parses the folder with DagBag (no metadata database: parsing alone needs none), then, per task
and per mapped index, renders the templated fields with a fake run context (run id
RUN_ID) and builds the Kubernetes pod the operator would submit. The caller
(test/integration/airflow) compares the result with what the config says. The JSON goes to a
file: Airflow logs to stdout. A non-zero exit is a failure of this script, not a verdict.

Retry decisions: for each pod task, the operator's own cleanup() (the step that turns a finished
pod into the task's outcome, in sync and deferrable mode) is called with a pod whose container
terminated with each of EXIT_CODES, through a stand-in for the Kubernetes API; what it raises
decides Airflow's next step. AirflowFailException fails the task without retrying (Airflow 2:
TaskInstance._run_raw_task calls handle_failure(force_fail=True); Airflow 3: the Task SDK's
task_runner sets FAILED, "task should not retry"); any other exception leaves the retries to run.
"""
from __future__ import annotations

import json
import os
import sys
import warnings

RUN_ID = "scheduled__2026-01-01T02:00:00+00:00"
# Labels the operator adds to every pod; the DAG's own labels are what is checked.
AIRFLOW_LABELS = {
    "dag_id", "task_id", "run_id", "kubernetes_pod_operator", "try_number", "map_index",
    "airflow_version", "airflow_kpo_in_cluster", "parent_dag_id",
}


class FakeTaskInstance:
    def __init__(self, dag_id: str, task_id: str, map_index: int) -> None:
        self.dag_id = dag_id
        self.task_id = task_id
        self.map_index = map_index
        self.run_id = RUN_ID
        self.try_number = 1


class FakeDagRun:
    conf: dict = {}
    run_id = RUN_ID


class OfflineHook:
    """Stands in for the Kubernetes hook: building a pod must not need a cluster."""

    is_in_cluster = False


EXIT_CODES = [0, 1, 2, 3, 137]


class OfflineCoreApi:
    """Stands in for the Kubernetes CoreV1Api calls cleanup() makes: reads answer the finished pod, writes do nothing."""

    def __init__(self, pod) -> None:
        self.pod = pod

    def patch_namespaced_pod(self, *args, **kwargs):
        return self.pod

    def delete_namespaced_pod(self, *args, **kwargs):
        return None

    def read_namespaced_pod(self, *args, **kwargs):
        return self.pod

    def list_namespaced_pod(self, *args, **kwargs):
        from kubernetes.client import models as k8s

        return k8s.V1PodList(items=[self.pod])

    def list_namespaced_event(self, *args, **kwargs):
        from kubernetes.client import models as k8s

        return k8s.CoreV1EventList(items=[])


def finished_pod(task, exit_code: int):
    """The pod `task` submits, finished: its base container terminated with `exit_code`."""
    from kubernetes.client import models as k8s

    terminated = k8s.V1ContainerStateTerminated(exit_code=exit_code, reason="Completed" if exit_code == 0 else "Error")
    return k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(name=f"{task.name}-x", namespace=task.namespace or "default", labels={}),
        spec=k8s.V1PodSpec(containers=[k8s.V1Container(name=task.base_container_name, image="image")]),
        status=k8s.V1PodStatus(
            phase="Succeeded" if exit_code == 0 else "Failed",
            container_statuses=[k8s.V1ContainerStatus(
                name=task.base_container_name, image="image", image_id="", ready=False, restart_count=0,
                state=k8s.V1ContainerState(terminated=terminated),
            )],
        ),
    )


def retry_decisions(task, context: dict) -> dict:
    """Per exit code: what the operator's cleanup() makes of a finished pod, and so what Airflow does next."""
    from airflow.exceptions import AirflowFailException

    decisions = {}
    for code in EXIT_CODES:
        pod = finished_pod(task, code)
        task.__dict__["client"] = OfflineCoreApi(pod)  # client and pod_manager are cached_property
        task.__dict__.pop("pod_manager", None)
        try:
            task.cleanup(pod=pod, remote_pod=pod, context=context)
            decisions[str(code)] = {"outcome": "success"}
        except AirflowFailException as error:
            decisions[str(code)] = {"outcome": "fail without retry", "message": str(error).split("\n")[0]}
        except Exception as error:  # noqa: BLE001 - any other failure is retried by Airflow
            decisions[str(code)] = {"outcome": "retry", "exception": type(error).__name__, "message": str(error).split("\n")[0]}
    return decisions


def load_dagbag(folder: str):
    """DagBag of `folder` alone (examples are off through AIRFLOW__CORE__LOAD_EXAMPLES)."""
    try:  # Airflow 3.1+ (3.2+ deprecates the old path and drops include_examples)
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2.x, 3.0
        from airflow.models.dagbag import DagBag
    return DagBag(dag_folder=folder)


def seconds(value):
    if value is None:
        return None
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def pod_facts(task, context: dict) -> dict:
    """The pod `task` (already rendered) would submit, as Kubernetes JSON, minus Airflow's own labels."""
    from kubernetes.client import ApiClient

    task.__dict__["hook"] = OfflineHook()  # hook is a cached_property
    pod = ApiClient().sanitize_for_serialization(task.build_pod_request_obj(context))
    container = pod["spec"]["containers"][0]
    labels = {k: v for k, v in pod["metadata"].get("labels", {}).items() if k not in AIRFLOW_LABELS}
    return {
        "namespace": pod["metadata"].get("namespace"),
        "labels": labels,
        "service_account_name": pod["spec"].get("serviceAccountName"),
        "image": container.get("image"),
        "image_pull_policy": container.get("imagePullPolicy"),
        "args": container.get("args"),
        "command": container.get("command"),
        "env": container.get("env", []),
        "resources": container.get("resources"),
    }


def operator_facts(task) -> dict:
    return {
        "name": task.name,
        "kubernetes_conn_id": task.kubernetes_conn_id,
        "in_cluster": task.in_cluster,
        "config_file": task.config_file,
        "cluster_context": task.cluster_context,
        "on_finish_action": str(getattr(task.on_finish_action, "value", task.on_finish_action)),
        "get_logs": task.get_logs,
        "startup_timeout_seconds": task.startup_timeout_seconds,
    }


def task_facts(dag, task) -> dict:
    import jinja2

    mapped = type(task).__name__ == "MappedOperator"
    operator_class = task.operator_class if mapped else type(task)
    # Only pod operators have a pod to show; any other task is reported by class alone.
    is_pod = hasattr(operator_class, "build_pod_request_obj")
    count = (len(task.expand_input.value["arguments"]) if mapped else 1) if is_pod else 0
    pods = []
    for index in range(count):
        map_index = index if mapped else -1
        context = {
            "run_id": RUN_ID, "ti": FakeTaskInstance(dag.dag_id, task.task_id, map_index),
            "dag": dag, "dag_run": FakeDagRun(), "params": {}, "task": task,
        }
        # A mapped operator renders into a new, unmapped operator, which it puts in context["task"].
        task.render_template_fields(context)
        rendered = context["task"]
        label_template = task.partial_kwargs.get("map_index_template") if mapped else None
        pods.append({
            "map_index_label": jinja2.Template(label_template).render(task=rendered) if label_template else None,
            "operator": operator_facts(rendered),
            "pod": pod_facts(rendered, context),
            "retry_decisions": retry_decisions(rendered, context),
        })
    source = task.partial_kwargs if mapped else task.__dict__
    facts = {
        "operator_class": operator_class.__name__,
        "mapped": mapped,
        "upstream": sorted(task.upstream_task_ids),
        "downstream": sorted(task.downstream_task_ids),
        "retries": source.get("retries", getattr(task, "retries", None)),
        "retry_delay_seconds": seconds(source.get("retry_delay", getattr(task, "retry_delay", None))),
        "retry_exponential_backoff": bool(source.get("retry_exponential_backoff", getattr(task, "retry_exponential_backoff", None))),
        "max_retry_delay_seconds": seconds(source.get("max_retry_delay", getattr(task, "max_retry_delay", None))),
        "max_active_tis_per_dag": source.get("max_active_tis_per_dag", getattr(task, "max_active_tis_per_dag", None)),
        "pods": pods,
    }
    if not is_pod and callable(getattr(task, "python_callable", None)):
        facts["decisions"] = callable_decisions(task)
    return facts


# Data intervals a gate task is asked about (2026-01-04 is a Sunday), in UTC; None: a manual run.
GATE_INTERVALS = {
    "sunday_to_monday": ("2026-01-04T07:00:00+00:00", "2026-01-05T07:00:00+00:00"),
    "monday_to_tuesday": ("2026-01-05T07:00:00+00:00", "2026-01-06T07:00:00+00:00"),
    "within_one_day": ("2026-01-06T15:00:00+00:00", "2026-01-06T16:00:00+00:00"),
    "manual": (None, None),
}


def callable_decisions(task) -> dict:
    """What a python-callable task (a ShortCircuitOperator gate) returns for each interval of GATE_INTERVALS."""
    import pendulum

    decisions = {}
    for label, (start, end) in GATE_INTERVALS.items():
        bounds = {"data_interval_start": start and pendulum.parse(start), "data_interval_end": end and pendulum.parse(end)}
        decisions[label] = bool(task.python_callable(**(task.op_kwargs or {}), **bounds))
    return decisions


def dag_facts(dag) -> dict:
    timetable = dag.timetable
    return {
        "file": os.path.basename(dag.fileloc),
        "description": dag.description,
        "timetable": {
            "class": type(timetable).__name__,
            "cron": getattr(timetable, "_expression", None),
            "timezone": str(getattr(timetable, "_timezone", None)),
            "summary": timetable.summary,
        },
        "start_date": dag.start_date.isoformat() if dag.start_date else None,
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "dagrun_timeout_seconds": seconds(dag.dagrun_timeout),
        "tags": sorted(dag.tags),
        "owner": dag.owner,
        "tasks": {task_id: task_facts(dag, task) for task_id, task in sorted(dag.task_dict.items())},
    }


def main() -> None:
    folder, output = sys.argv[1], sys.argv[2]
    import airflow

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bag = load_dagbag(folder)
    # Warnings raised by the DAG files themselves (deprecated imports, arguments): none expected.
    own = sorted({f"{os.path.basename(w.filename)}: {w.message}" for w in caught if os.path.abspath(w.filename).startswith(os.path.abspath(folder))})
    captured = {os.path.basename(k): [str(w) for w in v] for k, v in getattr(bag, "captured_warnings", {}).items()}
    result = {
        "airflow_version": airflow.__version__,
        "import_errors": {os.path.basename(k): v for k, v in bag.import_errors.items()},
        "warnings": own + [f"{k}: {w}" for k, ws in sorted(captured.items()) for w in ws],
        "dags": {dag_id: dag_facts(bag.dags[dag_id]) for dag_id in sorted(bag.dags)},
        "airflow_home": sorted(os.listdir(os.environ["AIRFLOW_HOME"])),
    }
    with open(output, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=1, sort_keys=True, default=str)


if __name__ == "__main__":
    main()
