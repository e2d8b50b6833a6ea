"""The API's OpenAPI 3.1 document, written by hand (served at /api/v1/openapi.json; validated in the tests)."""

ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*codes) -> dict:
    text = {400: "请求无效（JSON、请求头）", 401: "签名、时间戳或密钥无效", 403: "不属于本系统的交易中心",
            404: "记录或交易中心不存在（或不属于本系统）", 409: "与当前状态冲突", 415: "请求体不是 JSON",
            422: "字段内容不符合规则"}
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": ERROR}}} for c in codes}


NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}

CHANGE = {
    "type": ["object", "null"],
    "properties": {
        "changeId": {"type": "integer"}, "status": {"enum": ["pending", "accepted", "rejected", "withdrawn"]},
        "evaluationStartTime": {"type": "string", "format": "date-time"},
        "evaluationEndTime": {"type": "string", "format": "date-time"},
        "durationMinutes": {"type": "integer"}, "expertCount": {"type": "integer"},
        "acceptedExpertCount": NULLABLE_INT, "reason": NULLABLE_STRING, "answerReason": NULLABLE_STRING,
    },
    "required": ["changeId", "status", "evaluationStartTime", "expertCount"],
}

SEAT_REQUEST = {
    "type": "object",
    "description": "一条客场机位申请（远程异地评标申请记录）；只含数量和编码，不含任何专家个人信息。",
    "properties": {
        "id": {"type": "integer", "description": "本系统的申请记录号"},
        "applicationNumber": {"type": "string", "description": "本系统申请编号（KC年份-序号）"},
        "originalApplicationId": {**NULLABLE_STRING, "description": "合作方的申请编号（applicationId）"},
        "status": {"enum": ["draft", "submitted", "accepted", "partly_accepted", "rejected", "withdrawn",
                            "cancelled", "completed"]},
        "statusLabel": {"type": "string"}, "version": {"type": "integer"},
        "tenderProjectCode": {"type": "string"}, "tenderProjectName": {"type": "string"},
        "bidSectionCode": {"type": "string"}, "bidSectionName": {"type": "string"},
        "mainCenterCode": {"type": "string"}, "mainCenterName": {"type": "string"},
        "centerCode": {"type": "string"}, "centerName": {"type": "string"}, "isMainVenue": {"type": "boolean"},
        "evaluationStartTime": {"type": "string", "format": "date-time"},
        "evaluationEndTime": {"type": "string", "format": "date-time"},
        "durationMinutes": {"type": "integer"}, "committeeSize": {"type": "integer"},
        "expertCount": {"type": "integer"}, "acceptedExpertCount": NULLABLE_INT,
        "acceptedWorkstations": {"type": "array", "items": {"type": "string"}},
        "specialtyCodes": {"type": "array", "items": {"type": "string"}},
        "reason": NULLABLE_STRING, "lastChange": CHANGE, "pendingChange": CHANGE,
        "warnings": {"type": "array", "items": {"type": "string"}},
        "history": {"type": "array", "items": {"type": "object", "properties": {
            "time": {"type": "string", "format": "date-time"}, "action": {"type": "string"},
            "summary": {"type": "string"}}, "required": ["time", "action", "summary"]}},
    },
    "required": ["id", "applicationNumber", "status", "tenderProjectCode", "bidSectionCode", "mainCenterCode",
                 "centerCode", "isMainVenue", "evaluationStartTime", "evaluationEndTime", "expertCount"],
}

APPLY = {
    "type": "object",
    "properties": {
        "applicationType": {"enum": ["apply", "change", "cancel"], "default": "apply",
                            "description": "申请类型：apply 申请、change 变更、cancel 取消"},
        "applicationId": {"type": "string", "maxLength": 60, "description": "合作方的申请编号"},
        "originalApplicationId": {"type": "string", "maxLength": 60,
                                  "description": "变更、取消时：原申请的合作方申请编号"},
        "mainCenterCode": {"type": "string", "description": "主场交易中心编码（本系统代表的外省交易中心）"},
        "centerCode": {"type": "string", "description": "客场（副场）交易中心编码"},
        "tenderProjectCode": {"type": "string", "maxLength": 50}, "tenderProjectName": {"type": "string"},
        "tendererName": {"type": "string"}, "tenderAgencyName": {"type": "string"},
        "bidSectionCode": {"type": "string", "maxLength": 50}, "bidSectionName": {"type": "string"},
        "category": {"enum": ["construction", "epc", "goods", "services", "combined"]},
        "budget": {"type": "number", "minimum": 0, "description": "预算金额或合同估算价（万元）"},
        "evaluationStartTime": {"type": "string", "format": "date-time"},
        "durationMinutes": {"type": "integer", "minimum": 1, "maximum": 720},
        "committeeSize": {"type": "integer", "minimum": 1, "maximum": 99},
        "expertCount": {"type": "integer", "minimum": 1, "maximum": 50, "description": "本客场的专家人数（机位数）"},
        "specialtyCodes": {"type": "array", "maxItems": 5, "items": {"type": "string"}},
        "contact": {"type": "string"}, "notes": {"type": "string"}, "reason": {"type": "string"},
    },
}

CHANGE_BODY = {
    "type": "object",
    "properties": {"evaluationStartTime": {"type": "string", "format": "date-time"},
                   "durationMinutes": {"type": "integer", "minimum": 1, "maximum": 720},
                   "expertCount": {"type": "integer", "minimum": 1, "maximum": 50},
                   "reason": {"type": "string"}},
    "required": ["evaluationStartTime", "durationMinutes", "expertCount", "reason"],
}

SIGNED = [{"apiKey": [], "timestamp": [], "signature": []}]
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": True,
               "schema": {"type": "string", "minLength": 1, "maxLength": 80}}
REQUEST_ID = {"name": "request_id", "in": "path", "required": True,
              "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647}}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def document() -> dict:
    seat = {"$ref": "#/components/schemas/SeatRequest"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "远程异地评标协同门户 合作方系统接口", "version": "1.0.0",
                 "description": "合作方系统查询客场工位和专家数量、提交和跟踪客场机位申请。每个请求以 HMAC-SHA256 "
                                "签名：METHOD\\nPATH[?QUERY]\\nX-Timestamp\\nSHA256(body)，时间窗 5 分钟；"
                                "提交类请求须带 Idempotency-Key。"},
        "servers": [{"url": "/"}],
        "security": SIGNED,
        "paths": {
            "/api/v1/openapi.json": {"get": {"summary": "本接口文档", "security": [], "responses": {
                "200": {"description": "OpenAPI 3.1 文档", **_json({"type": "object"})}}}},
            "/api/v1/centers/{code}/availability": {"get": {
                "summary": "交易中心某时段的跨省工位和专家数量（只有数量）",
                "parameters": [
                    {"name": "code", "in": "path", "required": True,
                     "schema": {"type": "string", "pattern": "^[0-9]{1,9}$"}, "description": "交易中心编码"},
                    {"name": "evaluationStartTime", "in": "query", "required": True,
                     "schema": {"type": "string", "format": "date-time"}},
                    {"name": "durationMinutes", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                          "maximum": 720}},
                    {"name": "specialtyCode", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
                     "style": "form", "explode": True}],
                "responses": {"200": {"description": "空闲工位与专家数量", **_json({"$ref": "#/components/schemas/Availability"})},
                              **_errors(400, 401, 403, 404, 422)}}},
            "/api/v1/seat-requests": {"post": {
                "summary": "提交客场机位申请（申请、变更或取消）", "parameters": [IDEMPOTENCY],
                "requestBody": {"required": True, **_json(APPLY)},
                "responses": {"201": {"description": "已提交到客场的待受理申请", **_json(seat)},
                              "202": {"description": "变更已提交，等待客场确认", **_json(seat)},
                              "200": {"description": "已撤回或取消", **_json(seat)},
                              **_errors(400, 401, 403, 404, 409, 415, 422)}}},
            "/api/v1/seat-requests/{request_id}": {"get": {
                "summary": "申请的状态和处理记录", "parameters": [REQUEST_ID],
                "responses": {"200": {"description": "申请", **_json(seat)}, **_errors(400, 401, 404)}}},
            "/api/v1/seat-requests/{request_id}/changes": {"post": {
                "summary": "申请场地变更（已接受的预订）", "parameters": [REQUEST_ID, IDEMPOTENCY],
                "requestBody": {"required": True, **_json(CHANGE_BODY)},
                "responses": {"202": {"description": "变更已提交，等待客场确认", **_json(seat)},
                              **_errors(400, 401, 404, 409, 415, 422)}}},
            "/api/v1/seat-requests/{request_id}/withdrawal": {"post": {
                "summary": "撤回申请或取消预订", "parameters": [REQUEST_ID, IDEMPOTENCY],
                "requestBody": {"required": True, **_json({"type": "object", "properties": {
                    "reason": {"type": "string", "maxLength": 500}}})},
                "responses": {"200": {"description": "已撤回或取消", **_json(seat)},
                              **_errors(400, 401, 404, 409, 415, 422)}}},
            "/api/v1/partner-events": {"post": {
                "summary": "对方门户的处理结果（两个门户互联时）", "parameters": [IDEMPOTENCY],
                "requestBody": {"required": True, **_json({"type": "object", "required": ["eventType", "data"],
                                                           "properties": {"eventId": {"type": "integer"},
                                                                          "eventType": {"type": "string"},
                                                                          "data": {"type": "object"}}})},
                "responses": {"200": {"description": "已处理（applied: 是否改变了本系统的申请）", **_json({
                    "type": "object", "required": ["applied", "id", "status"], "properties": {
                        "applied": {"type": "boolean"}, "id": {"type": "integer"}, "status": {"type": "string"}}})},
                    **_errors(400, 401, 404, 409, 415, 422)}}},
        },
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
                "timestamp": {"type": "apiKey", "in": "header", "name": "X-Timestamp"},
                "signature": {"type": "apiKey", "in": "header", "name": "X-Signature"},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message", "field"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                   "field": NULLABLE_STRING}}}},
                "SeatRequest": SEAT_REQUEST,
                "Availability": {"type": "object", "required": [
                    "centerCode", "centerName", "evaluationStartTime", "evaluationEndTime",
                    "freeCrossProvinceWorkstations", "expertCounts"], "properties": {
                    "centerCode": {"type": "string"}, "centerName": {"type": "string"},
                    "evaluationStartTime": {"type": "string", "format": "date-time"},
                    "evaluationEndTime": {"type": "string", "format": "date-time"},
                    "durationMinutes": {"type": "integer"},
                    "freeCrossProvinceWorkstations": {"type": "integer"},
                    "crossProvinceWorkstations": {"type": "integer"},
                    "expertCounts": {"type": "array", "items": {"type": "object", "required": [
                        "specialtyCode", "expertCount"], "properties": {
                        "specialtyCode": {"type": "string"}, "specialtyName": NULLABLE_STRING,
                        "expertCount": {"type": "integer"}}}}}},
            },
        },
    }
