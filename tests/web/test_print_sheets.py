"""The paper of an evaluation day printed from the portal: the sign-in sheet, the fee sheet and the hand-over
list of a venue, each a page of its own that names the experts only to those who may see them."""
import pytest

from portal.experts.models import Expert
from portal.extensions import db
from tests.web import test_evaluation
from tests.web.test_evaluation import _members

# The evaluation day's fixtures: a committee fixed and both venues' experts drawn.
day, drawn = test_evaluation.day, test_evaluation.drawn

KINDS = ("signin", "fees", "handover")


def url(evaluation, venue, kind):
    return f"/evaluations/{evaluation.id}/venues/{venue.id}/print/{kind}"


def test_the_guest_venue_prints_its_sign_in_sheet_with_its_experts(drawn):
    evaluation, guest = drawn["evaluation"], drawn["guest"]
    page = drawn["guest_staff"].get(url(evaluation, guest, "signin")).get_data(as_text=True)
    names = [db.session.get(Expert, m.expert_id).name for m in _members(guest)]
    assert "专家签到表" in page and all(name in page for name in names)
    assert "本人签名" in page and "见证人（签字）" in page
    show = drawn["guest_staff"].get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert url(evaluation, guest, "signin") in show and url(evaluation, drawn["main"], "signin") not in show


@pytest.mark.parametrize("kind", ["signin", "fees"])
def test_no_sheet_names_experts_to_someone_who_may_not_see_them(drawn, login_as, kind):
    evaluation, main = drawn["evaluation"], drawn["main"]
    main_names = [db.session.get(Expert, m.expert_id).name for m in _members(main)]
    # The guest venue's staff may not see the main venue's experts, nor may the agent or the supervisor yet.
    assert drawn["guest_staff"].get(url(evaluation, main, kind)).status_code == 403
    for username in ("agent", "supervisor"):
        response = login_as(username).get(url(evaluation, main, kind))
        assert response.status_code == 403     # the evaluation is theirs to see, the names are not
        assert not any(name in response.get_data(as_text=True) for name in main_names)


def test_the_hand_over_list_is_for_the_venue_and_the_main_venue(drawn):
    evaluation, guest = drawn["evaluation"], drawn["guest"]
    for client in (drawn["guest_staff"], drawn["main_staff"]):
        page = client.get(url(evaluation, guest, "handover")).get_data(as_text=True)
        assert "评标资料移交清单" in page and "评标活动见证记录" in page and "接收人（签字）" in page
    assert drawn["guest_staff"].get(url(evaluation, guest, "nonsense")).status_code == 404


def test_the_committee_list_prints_after_the_winner_for_the_main_venue_and_supervisors(drawn, login_as):
    from datetime import timedelta

    from portal.evaluations.models import Evaluation
    from tests.web.test_evaluation import _finish

    evaluation = drawn["evaluation"]
    path = f"/evaluations/{evaluation.id}/print/committee"
    names = [db.session.get(Expert, m.expert_id).name for m in _members()]
    _finish(drawn)
    assert drawn["main_staff"].get(path).status_code == 403          # not before the winner is determined
    db.session.get(Evaluation, evaluation.id).winner_determined_on = drawn["when"] + timedelta(days=3)
    db.session.commit()
    for client in (drawn["main_staff"], login_as("supervisor")):
        page = client.get(path).get_data(as_text=True)
        assert "评标委员会成员名单" in page and all(name in page for name in names)
    for client in (drawn["guest_staff"], login_as("agent")):
        response = client.get(path)
        assert response.status_code == 403 and not any(n in response.get_data(as_text=True) for n in names)
