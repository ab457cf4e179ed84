"""The rows of Figure 11, defined once: label (zh/en), unit, number format, input or formula.

Source: Minsheng Securities, 2024-12-26, "豆包大模型推理算力需求测算", Figure 11 (transcribed in
``shared/reference/figure11.md``).  Every default is a constant of :mod:`xlsizing.model`.

>>> from xlsizing.sheets import evaluate_column
>>> round(evaluate_column({"mau_wan": 10000, "peak_multiplier": 4}, [FIGURE11])["capex_yi"], 2)
759.09
"""

from __future__ import annotations

from .. import model
from .._args import AT_LEAST_ONE, FRACTION, POSITIVE
from ..units import TERA_XL, WAN_XL, YI_XL
from .base import Row, Sheet, row_in

PRINTED = "figure11"  # the rows printed in the report's table
ASSUMPTIONS = "assumptions"  # inputs the report uses but does not print

SOURCE_LINE = (
    "资料来源：AI 产品榜、OpenAI 官网、豆包大模型官网、英伟达官网、36 氪，民生证券研究院测算 / "
    "Source: Minsheng Securities, 2024-12-26, Figure 11; chain reconstructed by xlsizing"
)
TITLE_ZH = "图11：三种假设情形下，豆包带来的推理需求测算"
TITLE_EN = "Figure 11: inference compute demand created by Doubao under three scenarios"
FORMULA_TEXT = "云端AI推理算力需求 ≈ 2 × 模型参数量 × 数据规模 × 峰值倍数"
FORMULA_TEXT_EN = "cloud inference compute ≈ 2 × parameters × tokens/s × peak multiplier"


ROWS: tuple[Row, ...] = (
    # --- printed in Figure 11, in the report's order -------------------------------------------
    row_in("mau_wan", "MAU", "Monthly active users", "万人", "0", None, POSITIVE, PRINTED),
    Row("dau_wan", "DAU", "Daily active users", "万人", "0", PRINTED,
        fn=model.dau_wan, native="{mau_wan}*{activity_ratio}"),
    row_in("params_yi", "豆包(云雀)大模型参数量", "Model parameters", "亿", "0", model.PARAMS_YI, POSITIVE, PRINTED),
    Row("daily_tokens_yi", "日均token调用量", "Daily tokens", "亿", "0", PRINTED,
        fn=model.daily_tokens_yi, native="{ref_tokens_yi}*{dau_wan}/{ref_dau_wan}"),
    row_in("inference_time_s", "推理计算时间", "Inference time per request (printed, unused)", "s", "0",
           model.INFERENCE_TIME_S, POSITIVE, PRINTED, doc="Printed by the report; it changes nothing else in the table."),
    Row("tokens_per_s_yi", "日均每秒token计算数量", "Tokens per second (daily average)", "亿", "0.00", PRINTED,
        fn=model.tokens_per_s_yi, native="{daily_tokens_yi}/{seconds_basis}"),
    row_in("peak_multiplier", "峰值倍数", "Peak multiplier", "×", "0", None, AT_LEAST_ONE, PRINTED),
    Row("formula_text", "算力需求公式", "Compute formula", "", "@", PRINTED, text=FORMULA_TEXT),
    Row("flops", "算力需求结果", "Compute demand", "FLOPS", "0.00000E+00", PRINTED,
        fn=model.infer_flops, udf="INFER_FLOPS",
        native=f"2*{{params_yi}}*{YI_XL}*{{tokens_per_s_yi}}*{YI_XL}*{{peak_multiplier}}"),
    row_in("card_tflops", "H20单卡算力", "H20 peak per card (BF16 dense)", "TFLOPS", "0", model.H20_TFLOPS, POSITIVE,
           PRINTED),
    row_in("mfu", "MFU", "Model FLOPs utilization", "", "0%", model.MFU, FRACTION, PRINTED),
    Row("cards_wan", "需要H20卡数量", "H20 cards needed", "万张", "0", PRINTED,
        fn=model.h20_cards_wan, udf="H20_CARDS",
        native=f"{{flops}}/({{card_tflops}}*{TERA_XL}*{{mfu}})/{WAN_XL}"),
    row_in("card_price_wan", "H20单价", "H20 price per card (printed, unused)", "万元", "0.0", model.CARD_PRICE_WAN,
           POSITIVE, PRINTED, doc="Printed by the report; the chain prices whole servers instead."),
    row_in("server_price_wan", "H20服务器均价", "H20 server average price", "万元", "0", model.SERVER_PRICE_WAN,
           POSITIVE, PRINTED),
    Row("capex_yi", "豆包大模型创造AI服务器需求", "AI-server capex created", "亿元", "0.00", PRINTED,
        fn=model.server_capex_yi, udf="SERVER_CAPEX",
        native="{cards_wan}/{cards_per_server}*{server_price_wan}"),
    # --- assumptions the chain needs but the report does not print ------------------------------
    row_in("activity_ratio", "DAU/MAU活跃率", "DAU/MAU activity ratio", "", "0.0%", model.ACTIVITY_RATIO, FRACTION,
           ASSUMPTIONS, doc="900万 DAU / 6000万 MAU in the report's base column."),
    row_in("ref_tokens_yi", "基准日均token调用量", "Reference daily tokens", "亿", "#,##0", model.REF_TOKENS_YI,
           POSITIVE, ASSUMPTIONS, doc="Doubao's December 2024 daily tokens (the report: over 4万亿)."),
    row_in("ref_dau_wan", "基准DAU", "Reference DAU", "万人", "#,##0", model.REF_DAU_WAN, POSITIVE, ASSUMPTIONS,
           doc="DAU on the reference day; daily tokens scale with DAU / reference DAU."),
    row_in("seconds_basis", "折算秒数", "Seconds basis", "s", "#,##0", model.SECONDS_BASIS_REPORT, POSITIVE,
           ASSUMPTIONS, doc="129,600 = 86,400 × 1.5 reproduces the report (the 1.5 is unexplained); "
                            "86,400 is a calendar day."),
    row_in("cards_per_server", "每台服务器卡数", "Cards per server", "张", "0", model.CARDS_PER_SERVER, AT_LEAST_ONE,
           ASSUMPTIONS),
    Row("servers_wan", "H20服务器数量", "Servers (fractional, as the report)", "万台", "#,##0.00", ASSUMPTIONS,
        fn=model.servers_wan, native="{cards_wan}/{cards_per_server}"),
)

SECTION_TITLES = {PRINTED: ("图11", "Figure 11"),
                  ASSUMPTIONS: ("假设（报告未列出）", "Assumptions (used by the chain, not printed in Figure 11)")}

SECONDS_NOTE = (
    "129,600 s = 86,400 s × 1.5 reproduces every printed number of Figure 11; the report does not "
    "explain the 1.5 (perhaps an 18-hour serving day × the 2 s inference time).",
    "86,400 s (a calendar day) is the plain alternative: change the seconds-basis inputs "
    "(seconds_basis_1, ...) to 86400.",
)

FIGURE11 = Sheet(
    key="figure11",
    title="Figure 11",
    rows=ROWS,
    title_zh=TITLE_ZH,
    title_en=TITLE_EN,
    source=SOURCE_LINE,
    section_titles=SECTION_TITLES,
    chart=("capex_yi", "豆包大模型创造AI服务器需求（亿元）/ AI-server capex by scenario (亿元)"),
    formula_lines=(FORMULA_TEXT, FORMULA_TEXT_EN),
    notes=(("折算秒数 / Seconds basis", "\n".join(SECONDS_NOTE)),),
)
