"""Job rules (counting, success, failure, indexes, back-off), Job pods, cron schedules and the
CronJob's scheduling arithmetic."""
from datetime import datetime, timedelta, timezone

import pytest

from controller_manager import cronjob_util as cu
from controller_manager import job_util as ju
from controller_manager.cronjob_schedule import Schedule, ScheduleError
from controller_manager.controllers.ttlafterfinished import seconds_left
from controller_manager.job_pods import job_pod

pytestmark = pytest.mark.unit
T0 = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)


def job(**spec):
    return {"metadata": {"name": "pi", "namespace": "ns", "uid": "job-uid"},
            "spec": {"backoffLimit": 6, "parallelism": 1, "completions": 1,
                     "template": {"metadata": {"labels": {"job-name": "pi"}},
                                  "spec": {"restartPolicy": "Never",
                                           "containers": [{"name": "c"}]}}, **spec},
            "status": {}}


def pod(uid, phase="Running", finalizer=True, deleting=False, restarts=0, index=None):
    meta = {"uid": uid, "name": uid,
            "finalizers": [ju.TRACKING_FINALIZER] if finalizer else []}
    if deleting:
        meta["deletionTimestamp"] = "x"
    if index is not None:
        meta["annotations"] = {ju.INDEX_ANNOTATION: str(index)}
    return {"metadata": meta, "status": {"phase": phase, "containerStatuses": [
        {"restartCount": restarts}]}}


def test_newly_finished_counts_each_tracked_pod_once():
    pods = [pod("a", "Succeeded"), pod("b", "Failed"), pod("c", deleting=True),
            pod("d"), pod("e", "Succeeded", finalizer=False), pod("f", "Succeeded")]
    succeeded, failed = ju.newly_finished(pods, {"succeeded": ["f"]}, job_finishing=False)
    assert succeeded == ["a"] and failed == ["b", "c"]
    _, failed = ju.newly_finished([pod("c", deleting=True)], {}, False, only_failed=True)
    assert failed == []


def test_want_active():
    assert ju.want_active(job(completions=5, parallelism=2), succeeded=0, active=0) == 2
    assert ju.want_active(job(completions=5, parallelism=2), succeeded=4, active=1) == 1
    assert ju.want_active(job(completions=5, parallelism=2), succeeded=5, active=0) == 0
    queue = job(completions=None, parallelism=3)
    assert ju.want_active(queue, succeeded=0, active=1) == 3
    assert ju.want_active(queue, succeeded=1, active=2) == 2     # no new pods once one won


def test_success_reached():
    assert ju.success_reached(job(completions=2), 2, set(), 0)
    assert not ju.success_reached(job(completions=2), 1, set(), 1)
    assert ju.success_reached(job(completions=None), 1, set(), 0)
    assert not ju.success_reached(job(completions=None), 1, set(), 1)
    indexed = job(completions=3, completionMode="Indexed")
    assert ju.success_reached(indexed, 0, {0, 1, 2}, 0)
    assert not ju.success_reached(indexed, 5, {0, 1}, 0)


def test_failure_reasons():
    j = job(backoffLimit=1)
    assert ju.failure_reason(j, 1, [], T0) is None
    assert ju.failure_reason(j, 2, [], T0) == ju.BACKOFF_LIMIT_EXCEEDED
    j = job(activeDeadlineSeconds=10)
    j["status"]["startTime"] = "2024-01-01T11:59:55Z"
    assert ju.failure_reason(j, 0, [], T0) is None
    assert ju.seconds_to_deadline(j, T0) == 5
    assert ju.failure_reason(j, 0, [], T0 + timedelta(seconds=5)) == ju.DEADLINE_EXCEEDED
    on_failure = job(backoffLimit=2)
    on_failure["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    assert ju.failure_reason(on_failure, 0, [pod("a", restarts=1)], T0) is None
    assert ju.failure_reason(on_failure, 0, [pod("a", restarts=2)], T0) == \
        ju.BACKOFF_LIMIT_EXCEEDED


def test_indexes_and_backoff():
    assert ju.parse_indexes("1,3-5,7") == {1, 3, 4, 5, 7}
    assert ju.format_indexes({0, 1, 2, 5, 7, 8}) == "0-2,5,7-8"
    assert ju.format_indexes(set()) == ""
    assert ju.missing_indexes(5, {0}, {1}, 2) == [2, 3]
    assert [ju.backoff_delay_s(n) for n in (0, 1, 2, 3)] == [0.0, 10.0, 20.0, 40.0]
    assert ju.backoff_delay_s(20) == ju.BACKOFF_MAX_S


def test_set_condition_once():
    conds = ju.set_condition([], "Complete", "R", "m", T0)
    assert conds[0]["status"] == "True" and conds[0]["lastTransitionTime"] == \
        "2024-01-01T12:00:00Z"
    assert ju.set_condition(conds, "Complete", "R", "m", T0 + timedelta(hours=1)) is conds


def test_job_pod_tracking_and_index():
    plain = job_pod(job())
    assert plain["metadata"]["generateName"] == "pi-"
    assert ju.TRACKING_FINALIZER in plain["metadata"]["finalizers"]
    assert plain["metadata"]["ownerReferences"][0]["kind"] == "Job"
    indexed = job_pod(job(completionMode="Indexed"), 2)
    m = indexed["metadata"]
    assert m["generateName"] == "pi-2-"
    assert m["annotations"][ju.INDEX_ANNOTATION] == "2" and m["labels"][ju.INDEX_LABEL] == "2"
    assert indexed["spec"]["hostname"] == "pi-2"
    assert indexed["spec"]["containers"][0]["env"][-1]["name"] == "JOB_COMPLETION_INDEX"


def test_ttl_seconds_left():
    j = job(ttlSecondsAfterFinished=60)
    assert seconds_left(j, T0) is None                       # not finished
    j["status"]["conditions"] = [{"type": "Complete", "status": "True",
                                  "lastTransitionTime": "2024-01-01T12:00:00Z"}]
    assert seconds_left(j, T0 + timedelta(seconds=10)) == 50
    assert seconds_left(job(), T0) is None


# --- cron --------------------------------------------------------------------------------------

def nxt(expr, at, tz=None):
    return Schedule.parse(expr, tz).next_after(at)


def test_cron_fields():
    assert nxt("*/15 * * * *", T0) == T0 + timedelta(minutes=15)
    assert nxt("5 * * * *", T0) == T0 + timedelta(minutes=5)
    assert nxt("0 9-17/4 * * *", T0) == T0.replace(hour=13)
    assert nxt("0 0 1 JAN,jul *", T0) == datetime(2024, 7, 1, tzinfo=timezone.utc)
    assert nxt("30 8 * * MON-FRI", datetime(2024, 1, 6, tzinfo=timezone.utc)) == \
        datetime(2024, 1, 8, 8, 30, tzinfo=timezone.utc)          # Saturday -> Monday
    assert nxt("0 0 * * 7", T0) == datetime(2024, 1, 7, tzinfo=timezone.utc)   # Sunday
    assert nxt("10/20 * * * *", T0) == T0 + timedelta(minutes=10)


def test_cron_descriptors_and_day_or_rule():
    assert nxt("@hourly", T0) == T0 + timedelta(hours=1)
    assert nxt("@daily", T0) == datetime(2024, 1, 2, tzinfo=timezone.utc)
    assert nxt("@weekly", T0) == datetime(2024, 1, 7, tzinfo=timezone.utc)
    assert nxt("@monthly", T0) == datetime(2024, 2, 1, tzinfo=timezone.utc)
    assert nxt("@yearly", T0) == datetime(2025, 1, 1, tzinfo=timezone.utc)
    # both day fields restricted: the 15th OR a Friday (Jan 5, 2024 is a Friday)
    assert nxt("0 0 15 * FRI", T0) == datetime(2024, 1, 5, tzinfo=timezone.utc)
    assert nxt("0 0 31 2 *", T0) is None


def test_cron_time_zones():
    assert nxt("0 9 * * *", T0, "Europe/Paris") == datetime(2024, 1, 2, 8, 0,
                                                             tzinfo=timezone.utc)
    assert nxt("CRON_TZ=America/New_York 0 9 * * *", T0) == T0.replace(hour=14)
    # 02:30 does not exist on 2024-03-31 in Paris (DST): that day is skipped
    at = datetime(2024, 3, 30, 12, tzinfo=timezone.utc)
    assert nxt("30 2 * * *", at, "Europe/Paris") == datetime(2024, 4, 1, 0, 30,
                                                              tzinfo=timezone.utc)


@pytest.mark.parametrize("bad", ["* * * *", "61 * * * *", "* * * * MOO", "5-1 * * * *",
                                 "*/0 * * * *", "@reboot"])
def test_cron_errors(bad):
    with pytest.raises(ScheduleError):
        Schedule.parse(bad)
    with pytest.raises(ScheduleError):
        Schedule.parse("* * * * *", "Mars/Base")


def cronjob(**spec):
    return {"metadata": {"name": "hello", "namespace": "ns", "uid": "cj-uid",
                         "creationTimestamp": "2024-01-01T11:00:30Z"},
            "spec": {"schedule": "* * * * *", "jobTemplate": {
                "metadata": {"labels": {"a": "b"}}, "spec": {"template": {}}}, **spec},
            "status": {}}


def test_most_recent_schedule_and_missed():
    sched = Schedule.parse("*/10 * * * *")
    cj = cronjob()
    assert cu.most_recent_schedule(cj, sched, T0) == (T0, 6)    # 11:10 .. 12:00
    cj["status"]["lastScheduleTime"] = "2024-01-01T12:00:00Z"
    assert cu.most_recent_schedule(cj, sched, T0 + timedelta(minutes=5)) == (None, 0)
    late = cronjob(startingDeadlineSeconds=60)
    assert cu.most_recent_schedule(late, sched, T0 + timedelta(seconds=30))[0] == T0
    assert cu.most_recent_schedule(late, sched, T0 + timedelta(minutes=5))[0] is None
    old = cronjob()
    old["metadata"]["creationTimestamp"] = "2023-01-01T00:00:00Z"
    latest, missed = cu.most_recent_schedule(old, Schedule.parse("* * * * *"), T0)
    assert latest == T0 and missed > cu.MISSED_WARNING


def test_job_from_template():
    j = cu.job_from_template(cronjob(timeZone="Europe/Paris"), T0)
    assert j["metadata"]["name"] == f"hello-{int(T0.timestamp()) // 60}"
    assert j["metadata"]["labels"] == {"a": "b"}
    assert j["metadata"]["annotations"][cu.SCHEDULED_TIMESTAMP] == "2024-01-01T13:00:00+01:00"
    ref = j["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["uid"], ref["controller"]) == ("CronJob", "cj-uid", True)


def finished_job(name, kind, start):
    return {"metadata": {"name": name}, "status": {"startTime": start, "conditions": [
        {"type": kind, "status": "True"}]}}


def test_jobs_to_prune():
    jobs = [finished_job("a", "Complete", "1"), finished_job("b", "Complete", "3"),
            finished_job("c", "Complete", "2"), finished_job("d", "Failed", "1"),
            {"metadata": {"name": "e"}, "status": {}}]
    assert [j["metadata"]["name"] for j in cu.jobs_to_prune(jobs, 1, "Complete")] == ["a", "c"]
    assert cu.jobs_to_prune(jobs, 1, "Failed") == []
    assert [j["metadata"]["name"] for j in cu.jobs_to_prune(jobs, 0, "Failed")] == ["d"]
    assert cu.jobs_to_prune(jobs, None, "Complete") == []
