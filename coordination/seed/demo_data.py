"""What the demo year is made of: last year's, this year's and next year's annual plans, the
joint meeting's decisions, the visits' outcomes and a liaison for each member unit.

Items follow the 27 key tasks of 《上海市与大连市对口合作实施方案》 and the way the published
沪连对口合作工作要点 are written: a title, the work, the expected results, a lead unit on each
side and co-operating units. Each item says how its tasks went (`stories`), see demo.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How a task went, replayed through the real operations (demo.py gives each its dates):
# closed        acknowledged, reported, submitted before the deadline, verified and closed
# late          the same, submitted and closed after the deadline
# submitted     completion submitted, waiting for the lead department's verification
# progress      acknowledged and reporting (overdue, red, when its deadline has passed)
# acknowledged  acknowledged (签收), nothing reported yet
# assigned      not even acknowledged yet
# returned      submitted and sent back (退回) by the lead department
# extended      an extension approved, work goes on towards the new deadline
# pending       an extension requested, waiting for a decision
# rejected      an extension refused, then finished on time after all
# cancelled     cancelled by the lead department
Story = Literal[
    "closed",
    "late",
    "submitted",
    "progress",
    "acknowledged",
    "assigned",
    "returned",
    "extended",
    "pending",
    "rejected",
    "cancelled",
]

# Member units, by their Chinese names as in data.BODIES.
SH_NDRC = "上海市发展和改革委员会"
SH_COMMERCE = "上海市商务委员会"
SH_ECONOMY = "上海市经济和信息化委员会"
SH_FINANCE = "上海市地方金融监督管理局"
SH_TRANSPORT = "上海市交通委员会"
SH_SCIENCE = "上海市科学技术委员会"
SH_EDUCATION = "上海市教育委员会"
SH_HEALTH = "上海市卫生健康委员会"
SH_TOURISM = "上海市文化和旅游局"
SH_AGRICULTURE = "上海市农业农村委员会"
SH_SASAC = "上海市国有资产监督管理委员会"
SH_HR = "上海市人力资源和社会保障局"
SH_ORGANIZATION = "中共上海市委组织部"
SH_FIC = "上海市工商业联合会"
SH_CIVIL = "上海市民政局"
SH_HOUSING = "上海市住房和城乡建设管理委员会"
SH_BIGDATA = "上海市大数据中心"
SH_RESEARCH = "上海市人民政府发展研究中心"
SH_PUDONG = "上海市浦东新区人民政府"
SH_FTZ = "中国（上海）自由贸易试验区管理委员会"
SH_ZHANGJIANG = "上海张江高新技术产业开发区管理委员会"
SH_HUANGPU = "上海市黄浦区人民政府"
SH_XUHUI = "上海市徐汇区人民政府"
SH_MINHANG = "上海市闵行区人民政府"

DL_COMMERCE = "大连市商务局"
DL_INDUSTRY = "大连市工业和信息化局"
DL_FINANCE = "大连市金融发展局"
DL_PORT = "大连港口与口岸局"
DL_SCIENCE = "大连市科学技术局"
DL_EDUCATION = "大连市教育局"
DL_HEALTH = "大连市卫生健康委员会"
DL_TOURISM = "大连市文化和旅游局"
DL_AGRICULTURE = "大连市农业农村局"
DL_SASAC = "大连市人民政府国有资产监督管理委员会"
DL_HR = "大连市人力资源和社会保障局"
DL_ORGANIZATION = "中共大连市委组织部"
DL_FIC = "大连市工商业联合会"
DL_CIVIL = "大连市民政局"
DL_HOUSING = "大连市住房和城乡建设局"
DL_BUSINESS = "大连市营商环境建设局"
DL_RESEARCH = "大连市人民政府发展研究中心"
DL_JINPU = "大连金普新区管理委员会"
DL_FTZ = "中国（辽宁）自由贸易试验区大连片区管理委员会"
DL_HITECH = "大连高新技术产业园区管理委员会"
DL_ZHONGSHAN = "大连市中山区人民政府"
DL_XIGANG = "大连市西岗区人民政府"
DL_WAFANGDIAN = "瓦房店市人民政府"


@dataclass(frozen=True)
class Item:
    key_task: int
    title: str
    content: str
    expected: str
    due: tuple[int, int] | int  # (month, day) of the plan's year, or N working days after issue
    sh: str  # 上海方牵头单位
    dl: str  # 大连方牵头单位
    coop: tuple[str, ...] = ()  # 配合单位
    progress: str = ""  # what the units report along the way
    results: str = ""  # what they submit on completion
    stories: tuple[Story, Story, Story] = ("closed", "closed", "closed")  # SH lead, DL lead, co-operating
    note: str = ""  # the reason of a return, an extension request or a cancellation


@dataclass(frozen=True)
class FollowUp:
    """A meeting decision or a visit outcome, turned into one task per unit."""

    key_task: int
    text: str
    due: tuple[int, int]
    units: tuple[str, ...]
    stories: tuple[Story, ...]
    progress: str
    results: str
    kind: str = "matter"  # visits: agreement / matter


THIS_YEAR = [
    # (一) 推进体制机制创新
    Item(
        1,
        "学习借鉴上海优化营商环境改革经验",
        "组织大连相关部门赴沪学习“一网通办”“一业一证”等改革做法，对标上海优化营商环境行动方案，推动简政放权、放管结合、优化服务改革。",
        "形成对标改革举措清单1份，推出改革举措不少于10项",
        (9, 30),
        SH_NDRC,
        DL_BUSINESS,
        progress="已组织两批次赴沪跟班学习，梳理对标改革举措12项。",
        results="形成《对标上海优化营商环境改革举措清单》，推出改革举措12项，已在大连全市推广。",
    ),
    Item(
        1,
        "推进政务服务“跨省通办”合作",
        "推动两市高频政务服务事项异地办理，在“一网通办”平台互设沪连通办专区。",
        "实现“跨省通办”事项不少于50项",
        (6, 30),
        SH_BIGDATA,
        DL_BUSINESS,
        progress="已完成首批38项事项的数据对接和流程梳理。",
        results="沪连通办专区上线运行，实现“跨省通办”事项56项。",
        stories=("closed", "late", "closed"),
    ),
    Item(
        2,
        "开展国资国企改革经验交流",
        "围绕国有资本投资、运营公司改建和国资监管体制机制开展交流，组织两地国有企业对接洽谈。",
        "举办交流活动2次，推动签约合作项目不少于3个",
        (10, 31),
        SH_SASAC,
        DL_SASAC,
        progress="已举办国资监管专题交流1次，两地6家国企开展对接。",
        results="举办交流活动2次，两地国企签约合作项目4个。",
    ),
    Item(
        2,
        "支持上海企业参与大连国企混合所有制改革",
        "梳理大连国有企业混合所有制改革项目清单，向上海有实力的企业定向推介。",
        "发布混改项目清单1份，促成合作意向不少于2项",
        (12, 31),
        SH_SASAC,
        DL_SASAC,
        (SH_FIC,),
        progress="混改项目清单已梳理完成，共15个项目，正组织定向推介。",
        stories=("progress", "progress", "acknowledged"),
    ),
    Item(
        3,
        "组织民营企业家“大连行”投资考察",
        "组织上海民营企业赴大连考察投资环境，开展民营经济发展经验交流。",
        "组织企业不少于30家，签约项目不少于5个",
        (8, 31),
        SH_FIC,
        DL_FIC,
        progress="已确定参访企业42家，考察行程与对接名单已商定。",
        results="6月组织上海民营企业42家赴连考察，签约项目7个，协议投资额约26亿元。",
    ),
    Item(
        4,
        "城市精细化管理经验交流",
        "借鉴上海“一网统管”城市运行管理经验，支持大连建设城市运行管理平台，提升城市管理智能化水平。",
        "开展专题交流2次，完成城市运行管理平台建设方案1份",
        (11, 30),
        SH_HOUSING,
        DL_HOUSING,
        (SH_BIGDATA,),
        progress="已开展专题交流1次，平台建设方案初稿已完成。",
        results="开展专题交流2次，《大连市城市运行管理平台建设方案》已印发。",
        stories=("submitted", "progress", "progress"),
    ),
    Item(
        4,
        "养老服务和社区治理合作",
        "推进两地在社区嵌入式养老服务、社区治理数字化方面交流合作，共建示范社区。",
        "共建示范社区2个",
        (10, 31),
        SH_CIVIL,
        DL_CIVIL,
        progress="已选定中山区、西岗区各1个社区开展试点。",
        results="两地共建示范社区2个，社区嵌入式养老服务站投入运营。",
        stories=("closed", "extended", "closed"),
        note="示范社区养老服务站改造工程受施工周期影响，需顺延至年底。",
    ),
    Item(
        5,
        "协同参与“一带一路”建设",
        "共同组织两地企业参与境外经贸合作区建设和国际产能合作，联合开展境外投资推介。",
        "联合举办境外投资推介会1场",
        (11, 30),
        SH_COMMERCE,
        DL_COMMERCE,
        progress="推介会方案已确定，拟邀请两地企业30余家。",
        results="联合举办“一带一路”境外投资推介会1场，两地企业35家参加。",
        stories=("closed", "submitted", "closed"),
    ),
    Item(
        6,
        "合作办好“沪连对口合作”高端论坛",
        "围绕东北全面振兴与长三角一体化联动发展主题，联合举办高端论坛。",
        "举办论坛1场，形成论坛成果汇编1份",
        (9, 30),
        SH_RESEARCH,
        DL_RESEARCH,
        progress="论坛议程和发言嘉宾已确定。",
        results="8月在大连举办高端论坛，形成《论坛成果汇编》。",
    ),
    Item(
        6,
        "组织大连区（市）县、园区“上海行”",
        "组织大连相关区（市）县、园区负责同志赴沪学习转型发展经验。",
        "组织学习培训不少于2批次",
        (6, 30),
        SH_PUDONG,
        DL_ZHONGSHAN,
        progress="第一批次学习培训已完成。",
        results="组织“上海行”学习培训2批次，共86人次。",
    ),
    # (二) 加快城市功能提升
    Item(
        7,
        "推进两地港航物流合作",
        "共建长三角与辽宁沿海城市间物流通道，推动国际贸易“单一窗口”互联互通。",
        "开通内贸集装箱航线1条；完成“单一窗口”数据互通方案",
        (10, 31),
        SH_TRANSPORT,
        DL_PORT,
        (SH_COMMERCE,),
        progress="航线方案已报批，“单一窗口”数据接口联调中。",
        results="航线已开通试运营。",
        stories=("returned", "progress", "progress"),
        note="请补充“单一窗口”数据互通方案及航线运营数据。",
    ),
    Item(
        7,
        "国际贸易“单一窗口”互联互通",
        "推进两地国际贸易“单一窗口”建设协作，实现船舶、货物申报数据互认。",
        "实现船舶、货物申报数据互认",
        (11, 30),
        SH_COMMERCE,
        DL_PORT,
        progress="已完成数据标准比对，正在开展接口开发。",
        stories=("progress", "acknowledged", "closed"),
    ),
    Item(
        7,
        "支持航运服务企业互设机构",
        "引导两地现代航运服务企业拓展航线、互设分支机构，共同促进国际航运中心功能建设。",
        "新增航运服务机构不少于3家",
        (12, 31),
        SH_TRANSPORT,
        DL_PORT,
        (SH_PUDONG,),
        progress="已有2家上海航运服务企业在大连完成注册。",
        stories=("progress", "acknowledged", "acknowledged"),
    ),
    Item(
        8,
        "联合举办招商推介活动",
        "在沪举办大连投资环境推介会，组织两地企业对接。",
        "举办推介会1场，签约项目不少于5个",
        (6, 30),
        SH_COMMERCE,
        DL_COMMERCE,
        progress="推介会筹备完成，已确定会场和参会企业名单。",
        results="6月18日在沪举办推介会，签约项目7个，总投资约42亿元。",
    ),
    Item(
        8,
        "相互参加重要经贸会展",
        "组织大连企业参加中国国际进口博览会，上海企业参加中国国际数字和软件服务交易会。",
        "双方组织参展企业各不少于20家",
        (11, 15),
        SH_COMMERCE,
        DL_COMMERCE,
        progress="参展企业征集完成，上海方24家、大连方21家。",
        results="上海方组织24家企业参加数交会，大连方组织21家企业参加进博会。",
        stories=("closed", "late", "closed"),
    ),
    Item(
        9,
        "推动金融机构互设分支",
        "支持金融机构依法合规在大连设立分支机构，鼓励两地金融资本开展合作。",
        "新增设立分支机构2家",
        (12, 31),
        SH_FINANCE,
        DL_FINANCE,
        (DL_COMMERCE,),
        progress="已与两家银行完成初步洽谈，一家已提交设立申请。",
        stories=("progress", "progress", "pending"),
        note="监管审批周期较长，需顺延。",
    ),
    Item(
        9,
        "支持大连商品交易所与上海交易所合作",
        "支持大连商品交易所在上海开展创新业务和市场服务，联合开展市场培训。",
        "联合开展市场培训不少于2场",
        (10, 31),
        SH_FINANCE,
        DL_FINANCE,
        progress="首场市场培训已在沪举办。",
        results="联合开展市场培训3场，参训机构120余家。",
        stories=("closed", "rejected", "closed"),
        note="第二场培训拟与期货论坛合并举办，申请顺延一个月。",
    ),
    Item(
        10,
        "高校合作办学与职业教育协作",
        "鼓励两市高校建立交流机制，支持合作办学，开展职业教育和基础教育合作。",
        "签署合作协议不少于3份",
        (9, 30),
        SH_EDUCATION,
        DL_EDUCATION,
        progress="两地4所高校已完成合作协议文本磋商。",
        results="签署高校、职业院校合作协议4份，互派教师交流32人次。",
    ),
    Item(
        10,
        "医疗卫生交流合作",
        "支持上海三级医院与大连医院建立专科联盟，开展远程会诊和学术交流。",
        "建立专科联盟不少于2个",
        (11, 30),
        SH_HEALTH,
        DL_HEALTH,
        progress="儿科、心血管专科联盟已签约。",
        results="建立儿科、心血管专科联盟2个，开展远程会诊150余例。",
        stories=("submitted", "submitted", "closed"),
    ),
    Item(
        10,
        "文化艺术交流与体育赛事合作",
        "深入开展两地文化艺术交流，共同培育品牌赛事，推进体育交流合作。",
        "互派文艺演出不少于2场，联办品牌赛事1项",
        (12, 31),
        SH_TOURISM,
        DL_TOURISM,
        progress="上海交响乐团大连专场已完成演出，沪连马拉松邀请赛筹备中。",
        stories=("progress", "progress", "closed"),
    ),
    # (三) 开展产业务实合作
    Item(
        11,
        "举办装备制造业产需对接会",
        "支持大连高端装备制造能力与上海制造业设备用户需求有效对接，推进产业链上下游整合。",
        "举办对接会1场，促成采购合作不少于10亿元",
        (7, 31),
        SH_ECONOMY,
        DL_INDUSTRY,
        progress="对接会已确定于7月中旬在大连举办，征集需求86项。",
        results="7月16日举办产需对接会，促成采购合作12.6亿元。",
    ),
    Item(
        11,
        "上海工业设计服务大连制造企业",
        "支持上海工业设计企业与大连制造企业合作，提升大连制造业的设计水平和品牌形象。",
        "服务大连制造企业不少于20家",
        (12, 15),
        SH_ECONOMY,
        DL_INDUSTRY,
        (SH_XUHUI,),
        progress="已组织设计企业走访大连制造企业14家。",
        stories=("progress", "progress", "assigned"),
    ),
    Item(
        12,
        "新兴产业供需对接",
        "推进软件和信息服务、生物医药等新兴产业对接合作。",
        "促成合作项目不少于3项",
        (12, 15),
        SH_ECONOMY,
        DL_INDUSTRY,
        (DL_COMMERCE,),
        progress="生物医药专场对接已举办，达成合作意向2项。",
        stories=("progress", "progress", "cancelled"),
        note="该事项的招商部分并入金融与产业合作专项，另行安排。",
    ),
    Item(
        12,
        "深化软件和信息服务业合作",
        "支持上海新一代信息技术企业在大连设立机构，共建工业软件和物联网公共服务平台。",
        "引进上海软件企业在连设立机构不少于5家",
        (12, 31),
        SH_ECONOMY,
        DL_INDUSTRY,
        (DL_HITECH,),
        progress="已有3家上海软件企业在大连高新区设立机构。",
        stories=("progress", "progress", "progress"),
    ),
    Item(
        13,
        "共同开展旅游宣传推广",
        "互相参与旅游节事活动，联合开展旅游促销。",
        "联合推广活动不少于2次",
        (11, 30),
        SH_TOURISM,
        DL_TOURISM,
        progress="已在上海旅游节设立大连主题展区。",
        results="联合开展推广活动3次，互送客源约4.2万人次。",
    ),
    Item(
        13,
        "联合开发沪连旅游精品线路",
        "共享促销渠道资源，联合开发“海上丝路”“红色旅游”等精品线路。",
        "推出精品线路不少于3条",
        (8, 31),
        SH_TOURISM,
        DL_TOURISM,
        (SH_HUANGPU,),
        progress="精品线路产品设计完成，已与旅行社对接。",
        results="推出沪连旅游精品线路4条，已纳入两地旅游推广目录。",
    ),
    Item(
        14,
        "大连农特优产品进沪“绿色通道”",
        "利用上海农产品展销平台和电商平台，建立大连农特优产品进沪“绿色通道”。",
        "举办产销对接活动不少于2场",
        (10, 31),
        SH_AGRICULTURE,
        DL_AGRICULTURE,
        (SH_COMMERCE,),
        progress="首场产销对接活动已在上海西郊国际农产品交易中心举办。",
        results="举办产销对接活动3场，大连海参、樱桃等进沪销售额约3.1亿元。",
        stories=("closed", "late", "closed"),
    ),
    Item(
        14,
        "都市现代农业技术合作",
        "发挥上海农业科技优势和大连资源优势，共建现代农业科技示范基地。",
        "建设现代农业科技示范基地1个",
        (11, 30),
        SH_AGRICULTURE,
        DL_AGRICULTURE,
        progress="示范基地选址已确定在瓦房店市，设施建设中。",
        results="瓦房店现代农业科技示范基地建成，引进新品种12个。",
        stories=("progress", "submitted", "closed"),
    ),
    # (四) 促进创新创业合作
    Item(
        15,
        "组织科技成果对接交流",
        "定期组织两地科技成果转移转化对接活动。",
        "举办对接会2场，促成合作项目3项",
        (9, 30),
        SH_SCIENCE,
        DL_SCIENCE,
        (SH_ZHANGJIANG,),
        progress="已举办对接会1场，促成合作项目2项。",
        results="举办对接会2场，促成合作项目4项。",
        stories=("closed", "extended", "closed"),
        note="第二场对接会因台风改期至11月。",
    ),
    Item(
        15,
        "共建科技创新服务平台",
        "推动上海技术交易所与大连技术市场互联互通，共享科技成果和技术需求信息。",
        "上线联合科技服务平台",
        (12, 31),
        SH_SCIENCE,
        DL_SCIENCE,
        progress="平台需求分析完成，技术成果库已对接1.2万条。",
        stories=("progress", "progress", "closed"),
    ),
    Item(
        16,
        "“双创”示范基地交流合作",
        "推进两地开放共享“双创”资源，举办创新创业大赛沪连专场。",
        "举办创新创业大赛沪连专场1场",
        (10, 31),
        SH_NDRC,
        DL_SCIENCE,
        progress="大赛报名项目126个，初赛已完成。",
        results="举办创新创业大赛沪连专场，18个项目获投资意向。",
    ),
    Item(
        17,
        "发起成立对口合作智库联盟",
        "引导两地高校、科研机构发起成立智库联盟，就两地合作规划、机制、政策开展研究。",
        "成立智库联盟，形成联合研究报告2份",
        (11, 30),
        SH_RESEARCH,
        DL_RESEARCH,
        progress="智库联盟已成立，2个研究课题开题。",
        results="成立沪连对口合作智库联盟，完成联合研究报告2份。",
        stories=("submitted", "progress", "closed"),
    ),
    # (五) 推动重点区域与平台合作
    Item(
        18,
        "复制推广上海自贸试验区改革经验",
        "借鉴上海自贸试验区在投资自由化、贸易便利化等方面的经验，推动两市自贸试验区资源、平台和信息共享。",
        "形成可复制经验清单1份",
        (9, 30),
        SH_FTZ,
        DL_FTZ,
        progress="已梳理可复制推广经验36项。",
        results="形成《上海自贸试验区可复制改革经验清单》，大连片区已落地21项。",
    ),
    Item(
        18,
        "保税区港口业务与汽车产业合作",
        "支持两地保税区在港口业务、特殊监管区运作、汽车产业等方面合作。",
        "签署保税区合作协议1份",
        (12, 31),
        SH_FTZ,
        DL_FTZ,
        (DL_PORT,),
        progress="合作协议文本已完成两轮磋商。",
        stories=("progress", "acknowledged", "acknowledged"),
    ),
    Item(
        19,
        "浦东新区与金普新区全面对接",
        "借鉴浦东新区在管理体制、运行机制、新动能培育等方面的经验，推动金普新区体制机制创新。",
        "签署年度合作清单，推进合作事项不少于10项",
        (12, 31),
        SH_PUDONG,
        DL_JINPU,
        progress="年度合作清单已签署，已推进合作事项7项。",
        stories=("progress", "progress", "closed"),
    ),
    Item(
        20,
        "推动张江与大连高新区对接",
        "在产业互动、科技金融等方面开展合作，探索“基金+基地”模式。",
        "签署合作备忘录1份",
        (12, 15),
        SH_ZHANGJIANG,
        DL_HITECH,
        (DL_SCIENCE,),
        progress="合作备忘录文本已基本商定。",
        stories=("progress", "acknowledged", "acknowledged"),
    ),
    Item(
        21,
        "合作共建沪连对口合作示范园区",
        "支持上海重点园区在大连设立分园区，探索“飞地经济”和跨地区利益共享机制。",
        "示范园区新引进项目不少于5个",
        (12, 31),
        SH_MINHANG,
        DL_WAFANGDIAN,
        progress="示范园区已引进项目3个，在谈项目4个。",
        stories=("progress", "progress", "closed"),
    ),
    Item(
        22,
        "黄浦区与中山区结对合作",
        "两区在商贸服务、城市更新等方面开展结对合作，互派干部考察学习。",
        "开展互访不少于4次，签署结对合作协议",
        (10, 31),
        SH_HUANGPU,
        DL_ZHONGSHAN,
        progress="结对合作协议已签署，完成互访2次。",
        results="完成互访5次，在城市更新、商圈建设方面形成合作项目3个。",
    ),
    Item(
        22,
        "徐汇区与西岗区结对合作",
        "两区在人工智能产业、社区治理等方面开展结对合作。",
        "开展互访不少于2次，形成合作项目不少于2个",
        (11, 30),
        SH_XUHUI,
        DL_XIGANG,
        progress="已完成互访2次，人工智能产业合作项目在谈。",
        results="完成互访2次，形成合作项目2个。",
        stories=("closed", "returned", "closed"),
        note="请补充合作项目的签约文本和投资额等佐证材料。",
    ),
    Item(
        23,
        "建立对口合作产业联盟",
        "引导两地工商联、商会、行业协会等对接合作，研究建立对口合作产业联盟。",
        "成立产业联盟1个，吸纳会员企业不少于50家",
        (9, 30),
        SH_FIC,
        DL_FIC,
        (SH_ECONOMY,),
        progress="联盟章程已起草，征集会员企业38家。",
        results="沪连对口合作产业联盟成立，会员企业63家。",
        stories=("closed", "late", "closed"),
    ),
    Item(
        24,
        "辐射带动辽宁沿海经济带城市",
        "组织辽宁沿海经济带城市参加沪连合作活动，推动与长三角地区合作互动。",
        "组织沿海城市参加对接活动不少于2次",
        (12, 31),
        SH_NDRC,
        DL_INDUSTRY,
        progress="已组织营口、丹东等4市参加产需对接会。",
        stories=("progress", "progress", "closed"),
    ),
    # (六) 加强干部人才交流培训
    Item(
        25,
        "互派干部挂职交流",
        "围绕自贸试验区建设、金融和航运等领域互派干部挂职。",
        "互派挂职干部各不少于10名",
        (12, 31),
        SH_ORGANIZATION,
        DL_ORGANIZATION,
        progress="本批次双方各12名干部已到岗挂职。",
        stories=("progress", "progress", "closed"),
    ),
    Item(
        26,
        "举办“大连振兴讲坛”专题培训",
        "借助上海教育培训资源和师资力量，围绕热点难点开展专题培训。",
        "举办专题培训不少于4期",
        (11, 30),
        SH_ORGANIZATION,
        DL_ORGANIZATION,
        (DL_HR,),
        progress="已举办专题培训3期，培训干部620人次。",
        results="举办“大连振兴讲坛”专题培训5期，培训干部1050人次。",
    ),
    Item(
        27,
        "加强人力资源服务合作",
        "建立人才双向交流机制，组织在沪院士、专家赴大连开展服务活动。",
        "组织专家服务活动不少于2次，引进高层次人才不少于20名",
        (11, 30),
        SH_HR,
        DL_HR,
        progress="已组织专家服务活动1次，引进高层次人才14名。",
        results="组织专家服务活动2次，引进高层次人才23名。",
        stories=("closed", "progress", "closed"),
    ),
]

LAST_YEAR = [
    Item(
        1,
        "借鉴上海“放管服”改革经验",
        "组织大连相关部门赴沪学习“放管服”改革做法。",
        "形成学习借鉴报告1份",
        (9, 30),
        SH_NDRC,
        DL_BUSINESS,
        results="形成学习借鉴报告1份，推出改革举措8项。",
    ),
    Item(
        2,
        "推动两地国有企业对接合作",
        "组织两地国有企业开展对接洽谈。",
        "签约合作项目不少于2个",
        (10, 31),
        SH_SASAC,
        DL_SASAC,
        results="两地国企签约合作项目3个。",
    ),
    Item(
        6,
        "合作办好“沪连对口合作”高端论坛",
        "联合举办对口合作高端论坛。",
        "举办论坛1场",
        (9, 30),
        SH_RESEARCH,
        DL_RESEARCH,
        results="9月在上海举办高端论坛，两地专家学者80余人参加。",
    ),
    Item(
        7,
        "深化两地港航合作",
        "加强两地港航企业合作，共建物流网络。",
        "新开内贸航线1条",
        (11, 30),
        SH_TRANSPORT,
        DL_PORT,
        results="新开沪连内贸集装箱航线1条，每周2班。",
        stories=("closed", "late", "closed"),
    ),
    Item(
        8,
        "举办大连投资环境推介会",
        "在沪举办大连投资环境推介会。",
        "签约项目不少于5个",
        (6, 30),
        SH_COMMERCE,
        DL_COMMERCE,
        results="举办推介会1场，签约项目6个。",
    ),
    Item(
        9,
        "推动两地金融机构交流",
        "组织两地金融机构相互考察和交流。",
        "开展交流活动不少于2次",
        (10, 31),
        SH_FINANCE,
        DL_FINANCE,
        results="开展金融机构交流活动3次。",
    ),
    Item(
        10,
        "开展卫生健康交流合作",
        "以医疗技术、信息化建设为重点开展交流合作。",
        "开展学术交流活动不少于2次",
        (11, 30),
        SH_HEALTH,
        DL_HEALTH,
        results="开展学术交流活动3次，互派医务人员进修25人。",
    ),
    Item(
        11,
        "装备制造业产需对接",
        "推进两地装备制造业产用结合、产需对接。",
        "举办对接会1场",
        (8, 31),
        SH_ECONOMY,
        DL_INDUSTRY,
        results="举办产需对接会1场，促成采购合作8.2亿元。",
    ),
    Item(
        13,
        "联合开展旅游促销",
        "互相参与旅游节事活动，联合开展旅游促销。",
        "联合推广活动不少于2次",
        (10, 31),
        SH_TOURISM,
        DL_TOURISM,
        results="联合开展旅游推广活动2次。",
    ),
    Item(
        14,
        "建立农产品产销对接关系",
        "鼓励两地建立农业和绿色食品产销对接关系。",
        "举办产销对接活动1场",
        (9, 30),
        SH_AGRICULTURE,
        DL_AGRICULTURE,
        results="举办产销对接活动1场，签订采购协议1.6亿元。",
    ),
    Item(
        15,
        "组织科技成果对接交流",
        "组织两地科技成果转移转化对接活动。",
        "举办对接会不少于2场",
        (10, 31),
        SH_SCIENCE,
        DL_SCIENCE,
        results="举办对接会2场，促成合作项目3项。",
    ),
    Item(
        18,
        "自贸试验区交流合作",
        "推动两市自贸试验区开展交流合作。",
        "开展交流活动不少于2次",
        (11, 30),
        SH_FTZ,
        DL_FTZ,
        results="开展交流活动2次，复制推广改革经验15项。",
    ),
    Item(
        19,
        "浦东新区与金普新区对接合作",
        "推动两个国家级新区全面对接合作。",
        "签署年度合作清单1份",
        (12, 31),
        SH_PUDONG,
        DL_JINPU,
        results="签署年度合作清单，推进合作事项9项。",
    ),
    Item(
        22,
        "推动区（市）县结对合作",
        "支持两地区（市）县自愿结对合作。",
        "新增结对1对",
        (12, 31),
        SH_HUANGPU,
        DL_ZHONGSHAN,
        results="黄浦区与中山区签署结对合作协议。",
        stories=("closed", "closed", "closed"),
    ),
    Item(
        23,
        "建设两地跨区域公共资源交易平台",
        "研究建设两地跨区域公共资源交易平台。",
        "完成平台建设方案1份",
        (12, 31),
        SH_BIGDATA,
        DL_BUSINESS,
        results="",
        stories=("cancelled", "cancelled", "closed"),
        note="按国家统一部署并入全国公共资源交易平台建设，本事项不再单独推进。",
    ),
    Item(
        25,
        "互派干部挂职交流",
        "互派干部挂职交流。",
        "互派挂职干部各不少于10名",
        (12, 31),
        SH_ORGANIZATION,
        DL_ORGANIZATION,
        results="双方各派出挂职干部11名，挂职期满考核均为优秀或称职。",
    ),
]

NEXT_YEAR = [
    Item(
        18,
        "复制推广自贸试验区改革经验",
        "推动两市自贸试验区间资源、平台和信息共享。",
        "形成可复制经验清单1份",
        40,
        SH_FTZ,
        DL_FTZ,
    ),
    Item(
        14,
        "大连农特优产品进沪“绿色通道”",
        "利用上海农产品展销平台和电商平台。",
        "举办产销对接活动2场",
        (9, 30),
        SH_AGRICULTURE,
        DL_AGRICULTURE,
        (SH_COMMERCE,),
    ),
    Item(
        7,
        "共建东北亚国际航运中心合作机制",
        "推进两地港航企业、航运服务机构深化合作。",
        "签署港航合作备忘录1份",
        (10, 31),
        SH_TRANSPORT,
        DL_PORT,
    ),
    Item(
        15,
        "共建沪连科技成果转化服务中心",
        "依托联合科技服务平台，开展常态化技术对接。",
        "服务中心挂牌运行，举办对接活动不少于4场",
        60,
        SH_SCIENCE,
        DL_SCIENCE,
        (SH_ZHANGJIANG,),
    ),
    Item(
        25,
        "互派干部挂职交流",
        "围绕自贸试验区建设、金融和航运等领域互派干部挂职。",
        "互派挂职干部各不少于10名",
        (12, 31),
        SH_ORGANIZATION,
        DL_ORGANIZATION,
    ),
    Item(
        27,
        "组织高层次人才“大连行”",
        "组织在沪院士、专家赴大连开展咨询服务。",
        "组织专家服务活动不少于2次",
        30,
        SH_HR,
        DL_HR,
    ),
]

# 议定事项 of this year's joint meeting.
DECISIONS = [
    FollowUp(
        8,
        "两地商务部门共同筹办“大连行”招商活动",
        (11, 20),
        (SH_COMMERCE, DL_COMMERCE),
        ("closed", "submitted"),
        progress="招商活动方案已确定，邀请上海企业56家。",
        results="10月组织上海企业56家赴连开展“大连行”招商活动，签约项目9个。",
    ),
    FollowUp(
        9,
        "研究设立沪连对口合作产业投资基金",
        (12, 31),
        (SH_FINANCE, DL_FINANCE),
        ("progress", "progress"),
        progress="基金设立方案已完成初稿，正在征求出资方意见。",
        results="",
    ),
    FollowUp(
        21,
        "联合编制沪连对口合作示范园区建设方案",
        (9, 30),
        (SH_ECONOMY, DL_INDUSTRY),
        ("closed", "closed"),
        progress="建设方案已完成调研和初稿编制。",
        results="《沪连对口合作示范园区建设方案》经两市审定印发。",
    ),
]

# Outcomes of the two high-level visits of the year.
SPRING_VISIT_OUTCOMES = [
    FollowUp(
        21,
        "签署《沪连共建示范园区合作框架协议》并推动首批项目落地",
        (10, 31),
        (SH_MINHANG, DL_WAFANGDIAN),
        ("closed", "closed"),
        progress="首批入园项目3个已完成签约。",
        results="框架协议已签署，首批3个项目落地示范园区。",
        kind="agreement",
    ),
    FollowUp(
        7,
        "推动上海港航企业参与大连东北亚国际航运中心建设",
        (12, 31),
        (SH_TRANSPORT, DL_PORT),
        ("progress", "acknowledged"),
        progress="2家上海港航企业已赴连洽谈合作。",
        results="",
    ),
]
AUTUMN_VISIT_OUTCOMES = [
    FollowUp(
        8,
        "组织大连企业参加第九届中国国际进口博览会",
        (11, 10),
        (SH_COMMERCE, DL_COMMERCE),
        ("closed", "closed"),
        progress="大连交易团已组建，报名采购商120家。",
        results="大连交易团120家采购商参加进博会，意向采购额约5.3亿美元。",
    ),
    FollowUp(
        15,
        "共建沪连科技成果转化服务中心",
        (12, 31),
        (SH_SCIENCE, DL_SCIENCE),
        ("acknowledged", "assigned"),
        progress="",
        results="",
        kind="agreement",
    ),
]

# Comments (征求意见) on this year's draft: (item title, liaison, text).
COMMENTS = [
    ("推进两地港航物流合作", "liaison.dl.port", "建议将航线开通数量明确为“不少于1条”，并注明运营主体。"),
    ("联合举办招商推介活动", "liaison.sh.commerce", "建议推介会安排在6月上旬，避开进博会筹备高峰。"),
    ("组织科技成果对接交流", "liaison.dl.sci", "建议两场对接会分别在上海、大连各举办一场。"),
    ("推动金融机构互设分支", "liaison.dl.finance", "分支机构设立需监管审批，建议时限放宽至年底。"),
    ("医疗卫生交流合作", "liaison.dl.health", "建议明确专科联盟的专科方向，优先考虑儿科和心血管。"),
    ("加强人力资源服务合作", "liaison.sh.hr", "建议将引进高层次人才数量作为预期成果单列。"),
]
NEXT_YEAR_COMMENTS = [
    ("复制推广自贸试验区改革经验", "liaison.dl.ftz", "建议明确可复制经验的落地数量，便于考核。"),
    ("共建沪连科技成果转化服务中心", "liaison.sh.sci", "建议在张江设立服务中心上海工作站。"),
]

# A liaison (联络员) for each member unit with tasks, besides the six in data.DEMO_USERS:
# (user name, name, unit).
UNIT_LIAISONS = [
    ("liaison.sh.ndrc", "钱卫东", SH_NDRC),
    ("liaison.sh.economy", "孙佳琪", SH_ECONOMY),
    ("liaison.sh.finance", "郑海峰", SH_FINANCE),
    ("liaison.sh.edu", "冯晓燕", SH_EDUCATION),
    ("liaison.sh.health", "褚立明", SH_HEALTH),
    ("liaison.sh.tourism", "卫雅琴", SH_TOURISM),
    ("liaison.sh.agri", "蒋国平", SH_AGRICULTURE),
    ("liaison.sh.sasac", "沈建华", SH_SASAC),
    ("liaison.sh.hr", "韩丽萍", SH_HR),
    ("liaison.sh.org", "杨振宇", SH_ORGANIZATION),
    ("liaison.sh.fic", "朱慧敏", SH_FIC),
    ("liaison.sh.civil", "秦志刚", SH_CIVIL),
    ("liaison.sh.housing", "尤静怡", SH_HOUSING),
    ("liaison.sh.bigdata", "许晨阳", SH_BIGDATA),
    ("liaison.sh.research", "何文博", SH_RESEARCH),
    ("liaison.sh.pudong", "吕思远", SH_PUDONG),
    ("liaison.sh.ftz", "施佳敏", SH_FTZ),
    ("liaison.sh.zhangjiang", "张弘毅", SH_ZHANGJIANG),
    ("liaison.sh.huangpu", "孔令辉", SH_HUANGPU),
    ("liaison.sh.xuhui", "曹雪梅", SH_XUHUI),
    ("liaison.sh.minhang", "严俊杰", SH_MINHANG),
    ("liaison.dl.industry", "王海涛", DL_INDUSTRY),
    ("liaison.dl.finance", "李春梅", DL_FINANCE),
    ("liaison.dl.edu", "刘晓东", DL_EDUCATION),
    ("liaison.dl.health", "陈玉洁", DL_HEALTH),
    ("liaison.dl.tourism", "杨光明", DL_TOURISM),
    ("liaison.dl.agri", "赵春生", DL_AGRICULTURE),
    ("liaison.dl.sasac", "黄志刚", DL_SASAC),
    ("liaison.dl.hr", "周丽华", DL_HR),
    ("liaison.dl.org", "吴国庆", DL_ORGANIZATION),
    ("liaison.dl.fic", "徐永强", DL_FIC),
    ("liaison.dl.civil", "孙桂兰", DL_CIVIL),
    ("liaison.dl.housing", "胡建军", DL_HOUSING),
    ("liaison.dl.business", "朱丹", DL_BUSINESS),
    ("liaison.dl.research", "郭佳宁", DL_RESEARCH),
    ("liaison.dl.jinpu", "林海波", DL_JINPU),
    ("liaison.dl.ftz", "何明辉", DL_FTZ),
    ("liaison.dl.hitech", "高雪", DL_HITECH),
    ("liaison.dl.zhongshan", "罗志远", DL_ZHONGSHAN),
    ("liaison.dl.xigang", "梁晓峰", DL_XIGANG),
    ("liaison.dl.wafangdian", "宋玉海", DL_WAFANGDIAN),
]
