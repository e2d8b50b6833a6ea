"""JSON errors of the API: {"error": {"code": ..., "message": "中文", "field": "path"}}."""
from flask import jsonify


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def body(code: str, message: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field}}


def response(status: int, code: str, message: str, field: str | None = None):
    return jsonify(body(code, message, field)), status


HTTP_CODES = {400: ("bad_request", "请求无效。"), 401: ("unauthorized", "请求未通过身份验证。"),
              403: ("forbidden", "无权执行此操作。"), 404: ("not_found", "接口地址或记录不存在，或不属于本系统。"),
              405: ("method_not_allowed", "该接口不支持这种请求方式。"),
              413: ("too_large", "请求体过大。"), 415: ("unsupported_media_type", "请求体须为 JSON。")}
