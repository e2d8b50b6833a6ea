"""Trading centers and contacts, maintained by provincial admins."""
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.orgs.models import CenterContact, Province, TradingCenter
from tests import factories


def center_form(orgs, **values):
    jilin = db.session.scalars(select(Province).filter_by(name="吉林省")).one()
    data = {"name": "德惠市公共资源交易中心", "short_name": "德惠", "alias": "", "province_id": jilin.id,
            "region_id": orgs.region("changchun").id, "level": "县级", "address": "", "standing_required": "0",
            "expert_fee_note": "", "meal_fee_yuan": "30", "active": "y"}
    data.update(values)
    return data


def test_province_admin_adds_a_county_center(login_as, orgs):
    client = login_as("province")
    assert client.post("/orgs/centers/new", data=center_form(orgs)).status_code == 303
    center = db.session.scalars(select(TradingCenter).filter_by(short_name="德惠")).one()
    assert center.region_id == orgs.region("changchun").id and str(center.meal_fee_yuan) == "30.00"
    assert db.session.scalars(select(AuditEntry.action).filter_by(object_type="trading_center")).all() == ["create"]


def test_a_home_center_needs_a_region_and_a_partner_center_has_none(login_as, orgs):
    client = login_as("province")
    page = client.post("/orgs/centers/new", data=center_form(orgs, region_id="")).get_data(as_text=True)
    assert "本省交易中心必须选择所属地区" in page and 'value="德惠市公共资源交易中心"' in page
    hubei = db.session.scalars(select(Province).filter_by(name="湖北省")).one()
    page = client.post("/orgs/centers/new", data=center_form(orgs, province_id=hubei.id)).get_data(as_text=True)
    assert "外省交易中心不属于本省地区" in page


def test_bad_values_are_refused(login_as, orgs):
    client = login_as("province")
    page = client.post("/orgs/centers/new", data=center_form(orgs, meal_fee_yuan="-5", name="")).get_data(as_text=True)
    assert "请填写名称" in page and "请填写 0 到 10000 之间的金额" in page
    page = client.post("/orgs/centers/new", data=center_form(orgs, name=factories.CHANGCHUN)).get_data(as_text=True)
    assert "已有同名的交易中心" in page


def test_contacts_are_added_with_a_valid_phone_and_removed(login_as, orgs):
    client = login_as("province")
    center = orgs.center(factories.CHANGCHUN)
    page = client.post(f"/orgs/centers/{center.id}/contacts",
                       data={"contact-name": "王工", "contact-phone": "12345", "contact-duty": ""}).get_data(as_text=True)
    assert "电话号码格式不正确" in page and 'value="王工"' in page
    ok = client.post(f"/orgs/centers/{center.id}/contacts",
                     data={"contact-name": "王工", "contact-phone": "0431-88906210", "contact-duty": "值班"})
    assert ok.status_code == 303
    contact = db.session.scalars(select(CenterContact)).one()
    assert "王工" in client.get("/orgs/").get_data(as_text=True)
    assert client.post(f"/orgs/centers/{center.id}/contacts/{contact.id}/delete").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CenterContact)) == 0
    actions = db.session.scalars(select(AuditEntry.action).filter_by(object_type="center_contact")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["create", "delete"]


def test_a_contact_of_another_center_cannot_be_deleted_through_this_one(login_as, orgs):
    other = orgs.center(factories.JILIN_CITY)
    contact = CenterContact(center_id=other.id, name="李", phone="13800000000")
    db.session.add(contact)
    db.session.commit()
    center = orgs.center(factories.CHANGCHUN)
    response = login_as("province").post(f"/orgs/centers/{center.id}/contacts/{contact.id}/delete")
    assert response.status_code == 404


def test_the_center_list_is_in_the_attachment_order_and_searchable(login_as, orgs):
    client = login_as("agent")
    page = client.get("/orgs/").get_data(as_text=True)
    assert page.index("吉林省公共资源交易中心") < page.index("长春市公共资源交易中心") < page.index("梅河口市公共资源交易中心")
    found = client.get("/orgs/?q=大连").get_data(as_text=True)
    assert "大连市营商环境建设局" in found and "长春市公共资源交易中心" not in found
    assert "又称：吉林市公共资源交易服务中心" in client.get("/orgs/?q=吉林市").get_data(as_text=True)
