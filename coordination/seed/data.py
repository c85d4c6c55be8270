"""The Shanghai–Dalian mechanism as data, from 《上海市与大连市对口合作实施方案》.

Titles of areas and key tasks are exactly those of section 二、重点任务.
"""

from typing import TypedDict


class PartySpec(TypedDict):
    code: str
    name_zh: str
    name_en: str
    position: int


MECHANISM = {
    "code": "sh-dl",
    "name_zh": "上海市与大连市对口合作",
    "name_en": "Shanghai–Dalian Counterpart Cooperation",
    "period_start": 2017,
    "period_end": 2030,
}

PARTIES: list[PartySpec] = [
    {"code": "sh", "name_zh": "上海", "name_en": "Shanghai", "position": 1},
    {"code": "dl", "name_zh": "大连", "name_en": "Dalian", "position": 2},
]

AREAS = [
    (1, "一", "推进体制机制创新", "Advancing institutional innovation"),
    (2, "二", "加快城市功能提升", "Upgrading city functions"),
    (3, "三", "开展产业务实合作", "Practical industrial cooperation"),
    (4, "四", "促进创新创业合作", "Innovation and entrepreneurship cooperation"),
    (5, "五", "推动重点区域与平台合作", "Cooperation of key areas and platforms"),
    (6, "六", "加强干部人才交流培训", "Exchange and training of cadres and talent"),
]

# (number, area number, Chinese title exactly as in the plan, English title)
KEY_TASKS = [
    (1, 1, "行政管理体制改革", "Reform of the administrative system"),
    (2, 1, "国有企业改革", "Reform of state-owned enterprises"),
    (3, 1, "民营经济发展", "Development of the private economy"),
    (4, 1, "社会治理机制创新", "Innovation in social governance"),
    (5, 1, "对内对外开放", "Opening up at home and abroad"),
    (6, 1, "发展理念共享", "Sharing development concepts"),
    (7, 2, "国际航运中心和物流中心建设", "International shipping and logistics centres"),
    (8, 2, "国际贸易中心建设", "International trade centre"),
    (9, 2, "金融中心建设", "Financial centre"),
    (10, 2, "公共服务体系建设", "Public service system"),
    (11, 3, "装备制造业产需对接", "Matching supply and demand in equipment manufacturing"),
    (12, 3, "新兴产业合作", "Cooperation in emerging industries"),
    (13, 3, "旅游产业合作", "Tourism cooperation"),
    (14, 3, "现代农业合作对接", "Modern agriculture cooperation"),
    (15, 4, "科技研发与转化合作", "Research, development and technology transfer"),
    (16, 4, "“双创”合作", "Mass entrepreneurship and innovation cooperation"),
    (17, 4, "智库平台建设合作", "Think-tank platforms"),
    (18, 5, "自由贸易试验区", "Pilot free trade zones"),
    (19, 5, "国家级新区", "State-level new areas"),
    (20, 5, "自主创新示范区", "Independent innovation demonstration zones"),
    (21, 5, "重点产业园区", "Key industrial parks"),
    (22, 5, "区（市）县合作", "Cooperation of districts, cities and counties"),
    (23, 5, "“软平台”合作", "“Soft platform” cooperation"),
    (24, 5, "辐射带动辽宁沿海经济带城市", "Driving the cities of the Liaoning coastal economic belt"),
    (25, 6, "干部挂职交流", "Cadre secondments"),
    (26, 6, "干部人才培养", "Training of cadres and talent"),
    (27, 6, "人力资源共享", "Sharing human resources"),
]

# Bodies per party: (kind, Chinese name, short name, English name, parent's Chinese name or None)
BODIES = {
    "sh": [
        (
            "leading_group",
            "上海市对口合作工作领导小组",
            "上海市领导小组",
            "Shanghai Counterpart Cooperation Leading Group",
            None,
        ),
        (
            "lead_department",
            "上海市人民政府合作交流办公室",
            "市合作交流办",
            "Shanghai Municipal Cooperation and Exchange Office",
            None,
        ),
        (
            "member_unit",
            "上海市发展和改革委员会",
            "市发展改革委",
            "Shanghai Development and Reform Commission",
            None,
        ),
        ("member_unit", "上海市商务委员会", "市商务委", "Shanghai Municipal Commission of Commerce", None),
        (
            "member_unit",
            "上海市经济和信息化委员会",
            "市经济信息化委",
            "Shanghai Commission of Economy and Informatization",
            None,
        ),
        (
            "member_unit",
            "上海市地方金融监督管理局",
            "市金融局",
            "Shanghai Local Financial Supervision Bureau",
            None,
        ),
        (
            "member_unit",
            "上海市交通委员会",
            "市交通委",
            "Shanghai Transport Commission (ports and shipping)",
            None,
        ),
        ("member_unit", "上海市科学技术委员会", "市科委", "Shanghai Science and Technology Commission", None),
        ("member_unit", "上海市教育委员会", "市教委", "Shanghai Education Commission", None),
        ("member_unit", "上海市卫生健康委员会", "市卫生健康委", "Shanghai Health Commission", None),
        ("member_unit", "上海市文化和旅游局", "市文化旅游局", "Shanghai Culture and Tourism Bureau", None),
        (
            "member_unit",
            "上海市农业农村委员会",
            "市农业农村委",
            "Shanghai Agriculture and Rural Affairs Commission",
            None,
        ),
        (
            "member_unit",
            "上海市国有资产监督管理委员会",
            "市国资委",
            "Shanghai State-owned Assets Supervision Commission",
            None,
        ),
        (
            "member_unit",
            "上海市人力资源和社会保障局",
            "市人力资源社会保障局",
            "Shanghai Human Resources and Social Security Bureau",
            None,
        ),
        (
            "member_unit",
            "中共上海市委组织部",
            "市委组织部",
            "Organization Department of the CPC Shanghai Committee",
            None,
        ),
        (
            "member_unit",
            "上海市工商业联合会",
            "市工商联",
            "Shanghai Federation of Industry and Commerce",
            None,
        ),
        ("member_unit", "上海市民政局", "市民政局", "Shanghai Civil Affairs Bureau", None),
        (
            "member_unit",
            "上海市住房和城乡建设管理委员会",
            "市住房城乡建设管理委",
            "Shanghai Housing and Urban-Rural Development Commission",
            None,
        ),
        ("member_unit", "上海市大数据中心", "市大数据中心", "Shanghai Big Data Center", None),
        (
            "member_unit",
            "上海市人民政府发展研究中心",
            "市政府发展研究中心",
            "Development Research Center of the Shanghai Government",
            None,
        ),
        ("zone", "上海市浦东新区人民政府", "浦东新区", "Pudong New Area Government", None),
        (
            "zone",
            "中国（上海）自由贸易试验区管理委员会",
            "上海自贸试验区管委会",
            "China (Shanghai) Pilot Free Trade Zone Administration",
            "上海市浦东新区人民政府",
        ),
        (
            "zone",
            "上海张江高新技术产业开发区管理委员会",
            "张江高新区管委会",
            "Zhangjiang Hi-Tech Park Administration",
            None,
        ),
        ("district", "上海市黄浦区人民政府", "黄浦区", "Huangpu District Government", None),
        ("district", "上海市徐汇区人民政府", "徐汇区", "Xuhui District Government", None),
        ("district", "上海市闵行区人民政府", "闵行区", "Minhang District Government", None),
    ],
    "dl": [
        (
            "leading_group",
            "大连市对口合作工作领导小组",
            "大连市领导小组",
            "Dalian Counterpart Cooperation Leading Group",
            None,
        ),
        (
            "lead_department",
            "大连市发展和改革委员会",
            "市发展改革委",
            "Dalian Development and Reform Commission",
            None,
        ),
        ("member_unit", "大连市商务局", "市商务局", "Dalian Bureau of Commerce", None),
        (
            "member_unit",
            "大连市工业和信息化局",
            "市工业和信息化局",
            "Dalian Bureau of Industry and Information Technology",
            None,
        ),
        ("member_unit", "大连市金融发展局", "市金融发展局", "Dalian Financial Development Bureau", None),
        ("member_unit", "大连港口与口岸局", "市港口与口岸局", "Dalian Port and Port-of-Entry Bureau", None),
        ("member_unit", "大连市科学技术局", "市科技局", "Dalian Science and Technology Bureau", None),
        ("member_unit", "大连市教育局", "市教育局", "Dalian Education Bureau", None),
        ("member_unit", "大连市卫生健康委员会", "市卫生健康委", "Dalian Health Commission", None),
        ("member_unit", "大连市文化和旅游局", "市文化旅游局", "Dalian Culture and Tourism Bureau", None),
        (
            "member_unit",
            "大连市农业农村局",
            "市农业农村局",
            "Dalian Agriculture and Rural Affairs Bureau",
            None,
        ),
        (
            "member_unit",
            "大连市人民政府国有资产监督管理委员会",
            "市国资委",
            "Dalian State-owned Assets Supervision Commission",
            None,
        ),
        (
            "member_unit",
            "大连市人力资源和社会保障局",
            "市人力资源社会保障局",
            "Dalian Human Resources and Social Security Bureau",
            None,
        ),
        (
            "member_unit",
            "中共大连市委组织部",
            "市委组织部",
            "Organization Department of the CPC Dalian Committee",
            None,
        ),
        ("member_unit", "大连市工商业联合会", "市工商联", "Dalian Federation of Industry and Commerce", None),
        ("member_unit", "大连市民政局", "市民政局", "Dalian Civil Affairs Bureau", None),
        (
            "member_unit",
            "大连市住房和城乡建设局",
            "市住房城乡建设局",
            "Dalian Housing and Urban-Rural Development Bureau",
            None,
        ),
        (
            "member_unit",
            "大连市营商环境建设局",
            "市营商局",
            "Dalian Business Environment Construction Bureau",
            None,
        ),
        (
            "member_unit",
            "大连市人民政府发展研究中心",
            "市政府发展研究中心",
            "Development Research Center of the Dalian Government",
            None,
        ),
        ("zone", "大连金普新区管理委员会", "金普新区", "Dalian Jinpu New Area Administration", None),
        (
            "zone",
            "中国（辽宁）自由贸易试验区大连片区管理委员会",
            "大连自贸片区管委会",
            "China (Liaoning) Pilot FTZ Dalian Area Administration",
            "大连金普新区管理委员会",
        ),
        (
            "zone",
            "大连高新技术产业园区管理委员会",
            "大连高新区管委会",
            "Dalian Hi-Tech Zone Administration",
            None,
        ),
        ("district", "大连市中山区人民政府", "中山区", "Zhongshan District Government", None),
        ("district", "大连市西岗区人民政府", "西岗区", "Xigang District Government", None),
        ("district", "瓦房店市人民政府", "瓦房店市", "Wafangdian City Government", None),
    ],
}

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password (README)  # nosec B105

# (username, name, roles, Chinese names of bodies, e-mail)
DEMO_USERS = [
    ("admin", "系统管理员", ["admin"], [], "admin@hulian.example.cn"),
    ("leader.sh", "王明远", ["leader"], ["上海市对口合作工作领导小组"], "leader.sh@hulian.example.cn"),
    ("leader.dl", "刘振华", ["leader"], ["大连市对口合作工作领导小组"], "leader.dl@hulian.example.cn"),
    ("lead.sh", "陈思敏", ["lead_staff"], ["上海市人民政府合作交流办公室"], "lead.sh@hulian.example.cn"),
    ("lead.dl", "赵立新", ["lead_staff"], ["大连市发展和改革委员会"], "lead.dl@hulian.example.cn"),
    (
        "secretary.sh",
        "周晓雯",
        ["secretary"],
        ["上海市人民政府合作交流办公室"],
        "secretary.sh@hulian.example.cn",
    ),
    ("secretary.dl", "孙海燕", ["secretary"], ["大连市发展和改革委员会"], "secretary.dl@hulian.example.cn"),
    (
        "liaison.sh.commerce",
        "李嘉怡",
        ["liaison"],
        ["上海市商务委员会"],
        "liaison.sh.commerce@hulian.example.cn",
    ),
    ("liaison.sh.sci", "黄建国", ["liaison"], ["上海市科学技术委员会"], "liaison.sh.sci@hulian.example.cn"),
    (
        "liaison.sh.transport",
        "吴立群",
        ["liaison"],
        ["上海市交通委员会"],
        "liaison.sh.transport@hulian.example.cn",
    ),
    ("liaison.dl.commerce", "张丽娟", ["liaison"], ["大连市商务局"], "liaison.dl.commerce@hulian.example.cn"),
    ("liaison.dl.sci", "马志强", ["liaison"], ["大连市科学技术局"], "liaison.dl.sci@hulian.example.cn"),
    ("liaison.dl.port", "高远", ["liaison"], ["大连港口与口岸局"], "liaison.dl.port@hulian.example.cn"),
]
