"""Rollout progress messages (kubectl's status viewers) and exec exit statuses."""
import pytest

from kubectl.cli import parse_duration_s
from kubectl.commands.rollout_status import status
from kubectl.errors import CLIError, render
from kubectl.streams import exit_code_of
from machinery.api.errors import ApiError

pytestmark = pytest.mark.unit


def deployment(generation=2, observed=2, desired=3, **st):
    return {"kind": "Deployment", "metadata": {"name": "web", "generation": generation},
            "spec": {"replicas": desired}, "status": {"observedGeneration": observed, **st}}


@pytest.mark.parametrize("obj, message, done", [
    (deployment(observed=1), "Waiting for deployment spec update to be observed...", False),
    (deployment(updatedReplicas=1, replicas=1),
     'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been '
     'updated...', False),
    (deployment(updatedReplicas=3, replicas=4),
     'Waiting for deployment "web" rollout to finish: 1 old replicas are pending '
     'termination...', False),
    (deployment(updatedReplicas=3, replicas=3, availableReplicas=2),
     'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are '
     'available...', False),
    (deployment(updatedReplicas=3, replicas=3, availableReplicas=3),
     'deployment "web" successfully rolled out', True),
])
def test_deployment_status(obj, message, done):
    assert status(obj) == (message, done)


def test_progress_deadline_is_an_error():
    obj = deployment(conditions=[{"type": "Progressing", "reason": "ProgressDeadlineExceeded"}])
    with pytest.raises(CLIError, match="exceeded its progress deadline"):
        status(obj)


def test_daemonset_and_statefulset_status():
    ds = {"kind": "DaemonSet", "metadata": {"name": "d", "generation": 1},
          "spec": {"updateStrategy": {"type": "RollingUpdate"}},
          "status": {"observedGeneration": 1, "desiredNumberScheduled": 2,
                     "updatedNumberScheduled": 2, "numberAvailable": 1}}
    assert status(ds) == ('Waiting for daemon set "d" rollout to finish: 1 of 2 updated pods '
                          'are available...', False)
    sts = {"kind": "StatefulSet", "metadata": {"name": "s", "generation": 1},
           "spec": {"replicas": 2, "updateStrategy": {"type": "RollingUpdate",
                                                      "rollingUpdate": {"partition": 0}}},
           "status": {"observedGeneration": 1, "readyReplicas": 1}}
    assert status(sts) == ("Waiting for 1 pods to be ready...", False)


def test_exit_codes_from_the_status_channel():
    assert exit_code_of({"status": "Success"}) == 0
    assert exit_code_of({"status": "Failure", "reason": "NonZeroExitCode",
                         "details": {"causes": [{"reason": "ExitCode", "message": "7"}]}}) == 7


def test_error_rendering():
    err = ApiError.from_status({"reason": "NotFound", "message": 'pods "x" not found',
                                "code": 404})
    assert render(err) == ('Error from server (NotFound): pods "x" not found', 1)
    invalid = ApiError.from_status({"reason": "Invalid", "code": 422, "message": "m",
                                    "details": {"kind": "Pod", "name": "bad", "causes": [
                                        {"field": "spec.containers",
                                         "message": "Required value"}]}})
    assert render(invalid)[0] == 'The Pod "bad" is invalid: spec.containers: Required value'


@pytest.mark.parametrize("text, seconds", [("30s", 30), ("1m30s", 90), ("500ms", 0.5),
                                           ("2h", 7200), ("5", 5)])
def test_durations(text, seconds):
    assert parse_duration_s(text) == seconds
