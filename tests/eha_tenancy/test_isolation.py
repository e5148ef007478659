"""Property: whatever members of several realms do through the API, nothing crosses realms.

Random users in three realms create, list, retrieve, update, delete and re-point
foreign keys (to objects and users of any realm) through the test app's DRF API,
sometimes asking for a realm they are not in. After every step no response
shows another realm's object and every row in the database is where the
requests put it. ``EHA_TENANCY_EXAMPLES`` sets the number of runs (500 by default).

The same property holds on PostgreSQL with the ORM's realm filter switched off
and row-level security (TENANCY_RLS) left to keep realms apart on its own.
"""

from __future__ import annotations

import os
from contextlib import nullcontext

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from eha_tenancy import filters, unscoped
from tests.eha_tenancy.conftest import as_app_role, create_app_role, make_user
from tests.eha_tenancy.testapp.models import Answer, Project, Survey
from tests.harness.postgres import postgres_only

EXAMPLES = int(os.environ.get("EHA_TENANCY_EXAMPLES", "500"))
REALMS = ["a", "b", "c"]
MEMBERS = {"alice": {"a"}, "amy": {"a"}, "bob": {"b"}, "carl": {"c"}, "dora": {"a", "b"}}
MISSING = 10**9
KINDS = {"projects": Project, "surveys": Survey, "answers": Answer}
# Mostly members acting in one of their realms; sometimes someone asking for another realm.
MEMBER = [(name, realm) for name, realms in sorted(MEMBERS.items()) for realm in sorted(realms)]
OUTSIDER = [(name, realm) for name in sorted(MEMBERS) for realm in REALMS
            if realm not in MEMBERS[name]]
ACTORS = st.sampled_from(MEMBER * 3 + OUTSIDER)


def build_machine(clients: dict[str, Client], user_pks: dict[str, int],
                  around_request=nullcontext):
    class Isolation(RuleBasedStateMachine):
        """The model: each object's realm and parent, as the requests should have left them."""

        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.realm_of = {kind: {} for kind in KINDS}  # kind -> {pk: realm}
            self.parent = {"surveys": {}, "answers": {}}  # pk -> parent pk
            self.requests = 0
            self.seed()

        def seed(self) -> None:
            """One project, survey and answer in each realm, so every run can cross."""
            with unscoped():
                for realm in REALMS:
                    project = Project.objects.create(name="seed", realm=realm)
                    survey = Survey.objects.create(name="seed", project=project)
                    answer = Answer.objects.create(value="seed", survey=survey)
                    self.realm_of["projects"][project.pk] = realm
                    self.realm_of["surveys"][survey.pk] = realm
                    self.realm_of["answers"][answer.pk] = realm
                    self.parent["surveys"][survey.pk] = project.pk
                    self.parent["answers"][answer.pk] = survey.pk

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        # Requests.

        def request(self, method: str, actor: tuple[str, str], path: str, body=None):
            username, realm = actor
            self.requests += 1
            if self.requests % 3 == 0:
                path = f"/{realm}/svc{path}"  # the realm from a gateway path instead
                headers = {}
            else:
                headers = {"HTTP_EHA_REALM": realm}
            with around_request():
                return getattr(clients[username], method)(
                    path, body, content_type="application/json", **headers)

        def member(self, username: str, realm: str) -> bool:
            return realm in MEMBERS[username]

        def user_in(self, data, realm: str) -> tuple[str | None, bool]:
            """Draw a user for a foreign key: (name or None, acceptable in realm)."""
            name = data.draw(st.sampled_from([None, *sorted(MEMBERS)]))
            return name, name is None or realm in MEMBERS[name]

        def pk_of(self, data, kind: str) -> int:
            return data.draw(st.sampled_from([*sorted(self.realm_of[kind]), MISSING]))

        @rule(actor=ACTORS, data=st.data())
        def create_project(self, actor, data):
            realm = actor[1]
            owner, owner_ok = self.user_in(data, realm)
            body = {"name": "p", "owner": user_pks.get(owner)}
            response = self.request("post", actor, "/api/projects/", body)
            if not self.member(*actor):
                assert response.status_code == 403
            elif not owner_ok:
                assert response.status_code == 400
            else:
                assert response.status_code == 201, response.content
                assert response.json()["realm"] == realm
                self.realm_of["projects"][response.json()["id"]] = realm

        @rule(actor=ACTORS, data=st.data())
        def create_survey(self, actor, data):
            realm = actor[1]
            project = self.pk_of(data, "projects")
            response = self.request("post", actor, "/api/surveys/",
                                    {"name": "s", "project": project})
            if not self.member(*actor):
                assert response.status_code == 403
            elif self.realm_of["projects"].get(project) != realm:
                assert response.status_code == 400, response.content
            else:
                assert response.status_code == 201, response.content
                pk = response.json()["id"]
                self.realm_of["surveys"][pk] = realm
                self.parent["surveys"][pk] = project

        @rule(actor=ACTORS, data=st.data())
        def create_answer(self, actor, data):
            realm = actor[1]
            survey = self.pk_of(data, "surveys")
            assignee, assignee_ok = self.user_in(data, realm)
            response = self.request("post", actor, "/api/answers/", {
                "value": "v", "survey": survey, "assignee": user_pks.get(assignee)})
            if not self.member(*actor):
                assert response.status_code == 403
            elif self.realm_of["surveys"].get(survey) != realm or not assignee_ok:
                assert response.status_code == 400, response.content
            else:
                assert response.status_code == 201, response.content
                pk = response.json()["id"]
                self.realm_of["answers"][pk] = realm
                self.parent["answers"][pk] = survey

        @rule(actor=ACTORS, kind=st.sampled_from(sorted(KINDS)))
        def list_objects(self, actor, kind):
            realm = actor[1]
            response = self.request("get", actor, f"/api/{kind}/")
            if not self.member(*actor):
                assert response.status_code == 403
                return
            assert response.status_code == 200
            shown = {item["id"] for item in response.json()["results"]}
            expected = {pk for pk, r in self.realm_of[kind].items() if r == realm}
            assert shown == expected

        @rule(actor=ACTORS, kind=st.sampled_from(sorted(KINDS)), data=st.data())
        def retrieve_object(self, actor, kind, data):
            pk = self.pk_of(data, kind)
            response = self.request("get", actor, f"/api/{kind}/{pk}/")
            self.expect_object(response, actor, kind, pk, 200)
            if response.status_code == 200:
                assert response.json()["id"] == pk

        @rule(actor=ACTORS, data=st.data())
        def rename_project(self, actor, data):
            pk = self.pk_of(data, "projects")
            response = self.request("patch", actor, f"/api/projects/{pk}/",
                                    {"name": "renamed"})
            self.expect_object(response, actor, "projects", pk, 200)

        @rule(actor=ACTORS, data=st.data())
        def repoint_survey(self, actor, data):
            realm = actor[1]
            pk, project = self.pk_of(data, "surveys"), self.pk_of(data, "projects")
            response = self.request("patch", actor, f"/api/surveys/{pk}/",
                                    {"project": project})
            if not self.member(*actor):
                assert response.status_code == 403
            elif self.realm_of["surveys"].get(pk) != realm:
                assert response.status_code == 404
            elif self.realm_of["projects"].get(project) != realm:
                assert response.status_code == 400
            else:
                assert response.status_code == 200, response.content
                self.parent["surveys"][pk] = project

        @rule(actor=ACTORS, data=st.data())
        def reassign_answer(self, actor, data):
            realm = actor[1]
            pk = self.pk_of(data, "answers")
            assignee, assignee_ok = self.user_in(data, realm)
            response = self.request("patch", actor, f"/api/answers/{pk}/",
                                    {"assignee": user_pks.get(assignee)})
            if not self.member(*actor):
                assert response.status_code == 403
            elif self.realm_of["answers"].get(pk) != realm:
                assert response.status_code == 404
            else:
                assert response.status_code == (200 if assignee_ok else 400), response.content

        @rule(actor=ACTORS, kind=st.sampled_from(sorted(KINDS)), data=st.data())
        def delete_object(self, actor, kind, data):
            pk = self.pk_of(data, kind)
            response = self.request("delete", actor, f"/api/{kind}/{pk}/")
            self.expect_object(response, actor, kind, pk, 204)
            if response.status_code == 204:
                self.forget(kind, pk)

        def expect_object(self, response, actor, kind, pk, success):
            realm = actor[1]
            if not self.member(*actor):
                assert response.status_code == 403
            elif self.realm_of[kind].get(pk) == realm:
                assert response.status_code == success, response.content
            else:
                assert response.status_code == 404, response.content

        def forget(self, kind: str, pk: int) -> None:
            del self.realm_of[kind][pk]
            self.parent.get(kind, {}).pop(pk, None)
            children = {"projects": "surveys", "surveys": "answers"}.get(kind)
            if children:
                for child, parent in list(self.parent[children].items()):
                    if parent == pk:
                        del self.parent[children][child]
                        self.forget(children, child)

        # What the database must hold after every step.

        @invariant()
        def rows_stay_in_their_realm(self):
            assert dict(Project.all_realms.values_list("pk", "realm")) \
                == self.realm_of["projects"]
            assert dict(Survey.all_realms.values_list("pk", "project__realm")) \
                == self.realm_of["surveys"]
            assert dict(Answer.all_realms.values_list("pk", "survey__project__realm")) \
                == self.realm_of["answers"]
            assert dict(Survey.all_realms.values_list("pk", "project_id")) \
                == self.parent["surveys"]
            pairs = [*Project.all_realms.exclude(owner=None)
                     .values_list("owner__username", "realm"),
                     *Answer.all_realms.exclude(assignee=None)
                     .values_list("assignee__username", "survey__project__realm")]
            assert all(realm in MEMBERS[name] for name, realm in pairs)

    return Isolation


def run_machine(around_request=nullcontext) -> None:
    users = {name: make_user(name, *realms) for name, realms in MEMBERS.items()}
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    machine = build_machine(clients, {name: user.pk for name, user in users.items()},
                            around_request)
    run_state_machine_as_test(machine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=6, deadline=None, database=None,
        suppress_health_check=list(HealthCheck),
        # Runs are six steps at most: a failing run is readable as it is, unshrunk.
        phases=[Phase.explicit, Phase.reuse, Phase.generate]))


@pytest.mark.django_db
def test_nothing_crosses_realms(tenancy):
    run_machine()


@postgres_only("row-level security is PostgreSQL's")
@pytest.mark.django_db
def test_nothing_crosses_realms_with_row_level_security_alone(tenancy, monkeypatch):
    # The ORM's realm filter off: the default managers, MtViewSetMixin and the
    # serializers' related fields all limit querysets through limit_to_realm, made a
    # no-op here, for this test only. What keeps realms apart is PostgreSQL: requests
    # run as a role without SUPERUSER or BYPASSRLS (the cluster's postgres role would
    # ignore the policies), with TENANCY_RLS naming the realm to the database. The
    # seed and the invariants still read every realm, as postgres.
    monkeypatch.setattr(filters, "limit_to_realm", lambda queryset, lookup, realm: queryset)
    tenancy.TENANCY_RLS = True
    create_app_role()
    run_machine(around_request=as_app_role)
