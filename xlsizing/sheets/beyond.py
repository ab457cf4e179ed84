"""The rows of the "Beyond" sheet, defined once: the report's compute-only cards next to bandwidth-aware ones.

Each computed row names the :mod:`xlsizing.beyond` function that computes it (its parameter names
are the keys of the rows it reads) and the native spreadsheet formula with the same ``{key}``
placeholders; a LibreOffice recalculation test checks that both agree.  The sheet reads the demand
(tokens/s, peak multiplier, daily tokens), the report's cards and capex and the server assumptions
from the Figure 11 sheet of the same workbook, and its model size, MFU and card peak are **linked
inputs**: they follow Figure 11's ``params_yi``, ``mfu`` and ``card_tflops`` unless a scenario sets
them (every other default and its source: docs/beyond.md).

>>> from xlsizing.sheets import evaluate_column, FIGURE11
>>> v = evaluate_column({"mau_wan": 6000, "peak_multiplier": 4}, [FIGURE11, BEYOND])
>>> v["total_params_yi"], v["mfu_prefill"], v["peak_tflops"]      # linked to Figure 11
(1300.0, 0.5, 148.0)
"""

from __future__ import annotations

from .. import beyond
from .._args import AT_LEAST_ONE, FRACTION, NONNEGATIVE, POSITIVE, PROPORTION
from ..units import (DAYS_PER_YEAR_XL, GIGA_XL, HOURS_PER_YEAR_XL, KILO_XL, MEGA_XL, TERA_XL, WAN_XL, YI_XL)

FFN_XL = "3"  # beyond.FFN_MATRICES: a gated FFN's gate, up and down matrices
from .base import Grid, Row, Sheet, row_in

MODEL, DEMAND, HARDWARE, SERVING, FLEET, MONEY = "model", "demand", "hardware", "serving", "fleet", "money"
SECTION_TITLES = {
    MODEL: ("模型（MoE：激活/总参数）", "Model (MoE: active vs total parameters)"),
    DEMAND: ("需求拆分（输入/输出、缓存命中）", "Demand split (input/output tokens, KV-cache hits)"),
    HARDWARE: ("加速卡与精度", "Accelerator and precision (from the catalog)"),
    SERVING: ("解码步时（每个副本）：KV + max(权重, 计算) + 通信", "Decode step per replica of n cards: KV + max(weights, compute) + communication"),
    FLEET: ("卡数：报告（纯算力） vs 带宽感知", "Cards: the report (compute-only) vs bandwidth-aware"),
    MONEY: ("服务器、资本开支、电力与单位成本", "Servers, capex, power and unit cost"),
}
TITLE_ZH = "超越图11：带宽感知、MoE 感知的推理算力测算"
TITLE_EN = "Beyond Figure 11: bandwidth-aware, MoE-aware sizing of the same scenarios"
SOURCE_LINE = ("Model: xlsizing (docs/beyond.md). Roofline: jax-ml/scaling-book, 'All About Transformer Inference'. "
               "Token split and cache hits: DeepSeek-V3/R1 Inference System Overview (2025-03-01). "
               "Power: Epoch AI (1,275 W per H100 incl. server share). Accelerator figures: xlsizing catalog.")

# the money rows' model functions read ``server_price_wan`` / ``cards_per_server``: here the sheet's own
# server inputs, linked to Figure 11's
_SERVER = (("server_price_wan", "fleet_server_price_wan"), ("cards_per_server", "fleet_cards_per_server"))

ROWS: tuple[Row, ...] = (
    # --- model ---------------------------------------------------------------------------------
    row_in("active_params_yi", "激活参数量", "Active parameters per token (FLOPs follow these)", "亿", "#,##0", None,
           POSITIVE, MODEL, "Follows Figure 11's parameters (a dense model: active = total) unless set. "
           "DeepSeek-V3: 370 of 6710.", link="params_yi"),
    row_in("total_params_yi", "总参数量", "Total parameters (memory and weight reads follow these)", "亿", "#,##0",
           None, POSITIVE, MODEL, "Follows Figure 11's parameters unless set. MoE: every expert is stored and, "
           "at serving batch sizes, read each step.", link="params_yi"),
    row_in("layers", "层数", "Layers", "", "0", 96.0, AT_LEAST_ONE, MODEL,
        "Assumption for a 130B-class dense model (Doubao's architecture is not published)."),
    row_in("kv_heads", "KV头数", "KV heads (GQA)", "", "0", 8.0, AT_LEAST_ONE, MODEL, "Assumption (GQA with 8 KV heads)."),
    row_in("head_dim", "头维度", "Head dimension", "", "0", 128.0, AT_LEAST_ONE, MODEL, "Assumption."),
    row_in("kv_bytes", "KV缓存每元素字节", "KV-cache bytes per element", "B", "0.0", 2.0, POSITIVE, MODEL,
        "2 = BF16 KV cache, 1 = FP8."),
    row_in("hidden_size", "隐藏维度", "Hidden size (width of the activations exchanged)", "", "#,##0", 12288.0,
           AT_LEAST_ONE, MODEL, "Assumption: the width of GLM-130B, a public 130B dense model (hidden 12,288 = "
           "96 heads × 128; THUDM/GLM-130B). Sets the all-reduce volume."),
    row_in("moe_layers", "MoE层数", "MoE layers (0 = dense)", "", "0", 0.0, NONNEGATIVE, MODEL,
           "0 = a dense model. DeepSeek-V3: 58 (61 layers, the first 3 dense); Mixtral-8x7B: 32."),
    row_in("experts", "路由专家数", "Routed experts per MoE layer (E)", "", "0", 1.0, AT_LEAST_ONE, MODEL,
           "DeepSeek-V3: 256; Mixtral-8x7B: 8. Unused when MoE layers = 0."),
    row_in("experts_per_token", "每token激活专家数", "Routed experts per token (k)", "", "0", 1.0, AT_LEAST_ONE, MODEL,
           "DeepSeek-V3: 8; Mixtral-8x7B: 2 (shared experts are always read and count in the weights)."),
    row_in("expert_ffn", "专家FFN维度", "Expert FFN size", "", "#,##0", 0.0, NONNEGATIVE, MODEL,
           "DeepSeek-V3: 2,048; Mixtral-8x7B: 14,336. 'xlsizing beyond --model NAME' sets every model row."),
    Row("kv_bytes_per_token", "每token KV缓存", "KV-cache bytes per token", "B", "#,##0", MODEL,
        fn=beyond.kv_bytes_per_token, udf="KV_BYTES_PER_TOKEN", native="2*{layers}*{kv_heads}*{head_dim}*{kv_bytes}"),
    # --- demand --------------------------------------------------------------------------------
    Row("peak_tokens_per_s_yi", "峰值每秒token", "Peak tokens per second", "亿", "0.0000", DEMAND,
        fn=beyond.peak_tokens_per_s_yi, native="{tokens_per_s_yi}*{peak_multiplier}"),
    row_in("input_share", "输入token占比", "Input (prompt) share of tokens", "", "0.0%", beyond.INPUT_SHARE, PROPORTION,
        DEMAND, "DeepSeek's published day (2025-03-01): 608B input of 776B tokens."),
    row_in("cache_hit_rate", "KV缓存命中率", "KV/prefix-cache hit rate of input tokens", "", "0.0%", beyond.CACHE_HIT_RATE,
        PROPORTION, DEMAND, "DeepSeek's published day: 342B of 608B input tokens hit the on-disk cache."),
    Row("prefill_tokens_per_s_yi", "需计算的输入token/s", "Prefill tokens to compute per second", "亿", "0.0000",
        section=DEMAND, fn=beyond.prefill_tokens_per_s_yi,
        native="{peak_tokens_per_s_yi}*{input_share}*(1-{cache_hit_rate})"),
    Row("decode_tokens_per_s_yi", "输出token/s", "Output (decode) tokens per second", "亿", "0.0000", DEMAND,
        fn=beyond.decode_tokens_per_s_yi, native="{peak_tokens_per_s_yi}*(1-{input_share})"),
    # --- hardware ------------------------------------------------------------------------------
    row_in("peak_tflops", "加速卡峰值算力", "Accelerator dense peak at the chosen precision", "TFLOPS", "#,##0.0", None,
           POSITIVE, HARDWARE, "Follows Figure 11's card peak unless an accelerator/precision or a value is set. "
           "Catalog: H20 148 (BF16), 296 (FP8); 'xlsizing catalog show h20' lists sources.", link="card_tflops"),
    row_in("bytes_per_weight", "每参数字节", "Bytes per weight", "B", "0.0", 2.0, POSITIVE, HARDWARE,
        "BF16/FP16 2, FP8/INT8 1, FP4 0.5."),
    row_in("memory_gb", "单卡显存", "Memory per card", "GB", "0", 96.0, POSITIVE, HARDWARE, "Catalog: H20 96 GB HBM3."),
    row_in("bandwidth_tbs", "单卡显存带宽", "Memory bandwidth per card", "TB/s", "0.00", 4.0, POSITIVE, HARDWARE,
        "Catalog: H20 4.0 TB/s."),
    row_in("tdp_w", "单卡功耗", "Board power per card (TDP)", "W", "#,##0", 400.0, POSITIVE, HARDWARE,
        "Catalog: H20 400 W."),
    row_in("fleet_server_price_wan", "服务器单价（本表）", "Server price of the accelerator sized here", "万元", "#,##0.00",
           None, POSITIVE, HARDWARE, "Follows Figure 11's server price unless set; 'xlsizing beyond --accelerator X' "
           "takes X's server from the catalog, and the report's capex row stays the report's.",
           link="server_price_wan"),
    row_in("fleet_cards_per_server", "每台服务器卡数（本表）", "Cards per server of the accelerator sized here", "张",
           "0", None, AT_LEAST_ONE, HARDWARE, "Follows Figure 11's cards per server unless set.",
           link="cards_per_server"),
    row_in("mfu_prefill", "预填充MFU", "Prefill MFU", "", "0%", None, FRACTION, HARDWARE,
           "Follows Figure 11's MFU unless set; prefill typically reaches 30-60%.", link="mfu"),
    row_in("mfu_decode", "解码MFU", "Decode MFU (compute term)", "", "0%", None, FRACTION, HARDWARE,
           "Follows Figure 11's MFU unless set.", link="mfu"),
    row_in("mbu", "带宽利用率MBU", "Memory-bandwidth utilization (MBU)", "", "0%", beyond.MBU, FRACTION, HARDWARE,
        "Typically 60-80% (assumption: 70%)."),
    row_in("usable_fraction", "可用显存比例", "Usable share of memory (weights + KV)", "", "0%", beyond.USABLE_HBM,
        FRACTION, HARDWARE, "vLLM's default gpu_memory_utilization 0.9."),
    # --- serving -------------------------------------------------------------------------------
    row_in("replica_cards", "每副本卡数", "Cards per decode replica (n)", "张", "0", 8.0, AT_LEAST_ONE, SERVING,
        "One 8-card server holds a 130B BF16 model (260 GB) with room for KV cache."),
    row_in("batch", "批大小", "Decode batch per replica (B)", "", "0", 64.0, AT_LEAST_ONE, SERVING, "Assumption."),
    row_in("context_tokens", "平均上下文长度", "Average context per sequence (ctx)", "tokens", "#,##0", 4096.0, POSITIVE,
        SERVING, "Assumption."),
    row_in("tpot_slo_s", "每token时延上限", "Time-per-output-token SLO", "s", "0.000", beyond.TPOT_SLO_S, POSITIVE,
        SERVING, "50 ms = 20 tokens/s per user (assumption)."),
    row_in("kv_serial_share", "KV读取串行比例", "Share of the KV read not hidden under compute (1 general, 0 roofline)",
           "", "0%", beyond.KV_SERIAL_SHARE, beyond.SHARE, SERVING,
           "1 = the general form of jax-ml/scaling-book (attention's KV read runs between the matmuls); "
           "0 = the simple roofline max(memory, compute)."),
    row_in("interconnect_gbs", "卡间互联带宽（单向）", "Interconnect bandwidth per card, one direction", "GB/s", "#,##0",
           450.0, POSITIVE, SERVING, "H20: NVLink 900 GB/s = 450 GB/s each way (NVIDIA H20 datasheet)."),
    row_in("activation_bytes", "激活每元素字节", "Bytes per exchanged activation", "B", "0.0", beyond.ACTIVATION_BYTES,
           POSITIVE, SERVING, "2 = BF16 (assumption); DeepSeek dispatches tokens in FP8 (1)."),
    row_in("collective_latency_us", "每次集合通信延迟", "Latency per collective", "µs", "0.0",
           beyond.COLLECTIVE_LATENCY_US, NONNEGATIVE, SERVING,
           "Assumption: the order of NCCL's small-message latency inside one NVLink server."),
    row_in("expert_parallel", "专家并行(1)/张量并行(0)", "MoE experts: expert parallel (1) or tensor parallel (0)", "",
           "0", 0.0, beyond.SHARE, SERVING, "1: each MoE layer's all-reduce becomes an all-to-all dispatch + combine."),
    Row("weights_gb", "权重显存", "Weight memory", "GB", "#,##0.0", SERVING, fn=beyond.weights_gb,
        native=f"{{total_params_yi}}*{YI_XL}*{{bytes_per_weight}}/{GIGA_XL}"),
    Row("batch_capacity", "最大可容纳批", "Largest batch that fits (< 1: infeasible)", "", "#,##0", SERVING,
        fn=beyond.batch_capacity,
        native=f"INT(({{replica_cards}}*{{memory_gb}}*{{usable_fraction}}-{{weights_gb}})*{GIGA_XL}"
               f"/({{context_tokens}}*{{kv_bytes_per_token}}))"),
    Row("memory_headroom_gb", "显存余量", "Memory headroom at this batch (< 0: does not fit)", "GB", "#,##0.0",
        section=SERVING, fn=beyond.memory_headroom_gb,
        native=f"{{replica_cards}}*{{memory_gb}}*{{usable_fraction}}-{{weights_gb}}"
               f"-{{batch}}*{{context_tokens}}*{{kv_bytes_per_token}}/{GIGA_XL}",
        # a difference of nearly equal numbers when the batch just fits: verify compares it at the
        # size of its terms (memory, weights, KV cache), not at its own size near 0
        scale=lambda v: (v["replica_cards"] * v["memory_gb"] * v["usable_fraction"] + v["weights_gb"]
                         + v["batch"] * v["context_tokens"] * v["kv_bytes_per_token"] / 1e9)),
    Row("weights_read_gb", "每步读取权重", "Weights read per step (MoE: only the experts the batch hits)", "GB",
        "#,##0.0", SERVING, fn=beyond.weights_read_gb,
        # (1 − k/E)^B as EXP(MAX(B × LN(…), −700)): LibreOffice answers #NUM! for a power that underflows
        native=f"{{weights_gb}}-{{moe_layers}}*{{experts}}*EXP(MAX({{batch}}*LN(MAX(1-MIN({{experts_per_token}},"
               f"{{experts}})/{{experts}},1E-300)),-700))*{FFN_XL}*{{hidden_size}}*{{expert_ffn}}*{{bytes_per_weight}}"
               f"/{GIGA_XL}"),
    Row("weight_read_s", "权重读取时间", "Weight read time", "s", "0.0000", SERVING, fn=beyond.weight_read_s,
        native=f"{{weights_read_gb}}*{GIGA_XL}/({{replica_cards}}*{{bandwidth_tbs}}*{TERA_XL}*{{mbu}})"),
    Row("kv_read_s", "KV缓存读取时间", "KV-cache read time", "s", "0.0000", SERVING, fn=beyond.kv_read_s,
        native=f"{{batch}}*{{context_tokens}}*{{kv_bytes_per_token}}/({{replica_cards}}*{{bandwidth_tbs}}*{TERA_XL}*{{mbu}})"),
    Row("decode_compute_s", "解码计算时间", "Decode matmul time", "s", "0.0000", SERVING, fn=beyond.decode_compute_s,
        native=f"2*{{active_params_yi}}*{YI_XL}*{{batch}}/({{replica_cards}}*{{peak_tflops}}*{TERA_XL}*{{mfu_decode}})"),
    Row("tp_allreduce_s", "张量并行all-reduce时间", "Tensor-parallel all-reduce time (2 per layer)", "s", "0.0000",
        SERVING, fn=beyond.tp_allreduce_s,
        native=f"IF(INT({{replica_cards}})>1,2*{{layers}}*(2*(INT({{replica_cards}})-1)/INT({{replica_cards}})"
               f"*{{hidden_size}}*{{batch}}*{{activation_bytes}}/({{interconnect_gbs}}*{GIGA_XL})"
               f"+{{collective_latency_us}}/{MEGA_XL}),0)"),
    Row("ep_alltoall_s", "专家并行all-to-all时间", "Expert-parallel all-to-all time (dispatch + combine)", "s", "0.0000",
        SERVING, fn=beyond.ep_alltoall_s,
        native=f"IF(INT({{replica_cards}})>1,2*{{moe_layers}}*((INT({{replica_cards}})-1)/INT({{replica_cards}})"
               f"*{{batch}}*{{experts_per_token}}*{{hidden_size}}*{{activation_bytes}}/INT({{replica_cards}})"
               f"/({{interconnect_gbs}}*{GIGA_XL})+{{collective_latency_us}}/{MEGA_XL}),0)"),
    Row("comm_s", "每步通信时间", "Communication per step (added serially)", "s", "0.0000", SERVING,
        fn=beyond.step_comm_s,
        native="{tp_allreduce_s}*(1-{expert_parallel}*MIN({moe_layers},{layers})/(2*{layers}))"
               "+{expert_parallel}*{ep_alltoall_s}"),
    Row("decode_step_s", "解码步时", "Decode step: MAX(weights + KV, compute + share × KV) + communication", "s",
        "0.0000", SERVING, fn=beyond.step_time_s, udf="STEP_TIME_S",
        native="MAX({weight_read_s}+{kv_read_s},{decode_compute_s}+{kv_serial_share}*{kv_read_s})+{comm_s}"),
    Row("decode_feasible", "可行(1)/不可行(0)", "Feasible: fits in memory and meets the SLO (1/0)", "", "0",
        section=SERVING, fn=beyond.decode_feasible,
        native="IF(AND({memory_headroom_gb}>=0,{decode_step_s}<={tpot_slo_s}),1,0)"),
    Row("decode_tokens_per_s_per_card", "单卡解码token/s", "Decode tokens/s per card", "tokens/s", "#,##0.0",
        section=SERVING, fn=beyond.decode_tokens_per_s_per_card, native="{batch}/{decode_step_s}/{replica_cards}"),
    # --- fleet ---------------------------------------------------------------------------------
    Row("prefill_cards_wan", "预填充卡数", "Prefill cards (compute bound)", "万张", "#,##0.00", FLEET,
        fn=beyond.prefill_cards_wan, udf="PREFILL_CARDS",
        native=f"2*{{active_params_yi}}*{YI_XL}*{{prefill_tokens_per_s_yi}}*{YI_XL}"
               f"/({{peak_tflops}}*{TERA_XL}*{{mfu_prefill}})/{WAN_XL}"),
    Row("decode_cards_wan", "解码卡数", "Decode cards (roofline)", "万张", "#,##0.00", FLEET,
        fn=beyond.decode_cards_wan, udf="DECODE_CARDS",
        native=f"{{decode_tokens_per_s_yi}}*{YI_XL}/{{decode_tokens_per_s_per_card}}/{WAN_XL}"),
    Row("fleet_cards_wan", "带宽感知卡数", "Cards, bandwidth-aware (prefill + decode)", "万张", "#,##0.00",
        section=FLEET, fn=beyond.fleet_cards_wan, native="{prefill_cards_wan}+{decode_cards_wan}"),
    Row("report_cards_wan", "报告卡数（纯算力）", "Cards, the report (compute-only, Figure 11)", "万张", "#,##0.00",
        section=FLEET, fn=beyond.report_cards_wan, native="{cards_wan}"),
    Row("cards_vs_report", "带宽感知/报告", "Bandwidth-aware ÷ report", "×", "0.00", FLEET,
        fn=beyond.cards_vs_report, native="{fleet_cards_wan}/{cards_wan}"),
    Row("tokens_per_s_per_card", "单卡token/s（峰值，带宽感知）", "Implied tokens/s per card at peak, bandwidth-aware",
        "tokens/s", "#,##0", section=FLEET, fn=beyond.tokens_per_s_per_card,
        native=f"{{peak_tokens_per_s_yi}}*{YI_XL}/({{fleet_cards_wan}}*{WAN_XL})"),
    Row("report_tokens_per_s_per_card", "单卡token/s（峰值，报告）", "Implied tokens/s per card at peak, the report",
        "tokens/s", "#,##0", section=FLEET, fn=beyond.report_tokens_per_s_per_card,
        native=f"{{peak_tokens_per_s_yi}}*{YI_XL}/({{cards_wan}}*{WAN_XL})"),
    # --- money ---------------------------------------------------------------------------------
    Row("servers_whole_wan", "服务器（整台）", "Servers, whole (rounded up)", "万台", "#,##0.0000", MONEY,
        fn=beyond.servers_whole_wan,
        # -INT(-x), not ROUNDUP: LibreOffice's ROUNDUP keeps only about 12 significant digits of
        # large values (ROUNDUP(9597212727366.05, 0) = 9597212727370 in LibreOffice 7.4)
        bind=_SERVER, native=f"-INT(-({{fleet_cards_wan}}*{WAN_XL}/{{fleet_cards_per_server}}))/{WAN_XL}"),
    Row("servers_fractional_wan", "服务器（小数，同报告）", "Servers, fractional (as the report)", "万台", "#,##0.0000",
        section=MONEY, fn=beyond.servers_fractional_wan, bind=_SERVER, native="{fleet_cards_wan}/{fleet_cards_per_server}"),
    Row("fleet_capex_yi", "带宽感知服务器资本开支", "Server capex, bandwidth-aware", "亿元", "#,##0.00", MONEY,
        fn=beyond.fleet_capex_yi, bind=_SERVER, native="{fleet_cards_wan}/{fleet_cards_per_server}*{fleet_server_price_wan}"),
    Row("report_capex_yi", "报告服务器资本开支", "Server capex, the report (Figure 11)", "亿元", "#,##0.00",
        section=MONEY, fn=beyond.report_capex_yi, native="{capex_yi}"),
    row_in("installed_cards_wan", "已部署卡数", "Cards already installed", "万张", "#,##0.00", 0.0, NONNEGATIVE, MONEY,
        "0 = a green-field fleet; yearly capex then equals the fleet's capex."),
    row_in("life_years", "更换周期", "Replacement life", "年", "0.0", beyond.LIFE_YEARS, POSITIVE, MONEY,
        "AI servers are replaced after 4-5 years (assumption: 5)."),
    Row("yearly_capex_yi", "年度资本开支（新增+更换）", "Capex per year (new cards + replacement)", "亿元", "#,##0.00",
        section=MONEY, fn=beyond.yearly_capex_yi,
        bind=_SERVER, native="(MAX({fleet_cards_wan}-{installed_cards_wan},0)+{installed_cards_wan}/{life_years})"
               "*{fleet_server_price_wan}/{fleet_cards_per_server}"),
    row_in("server_power_factor", "整机功耗系数", "All-in watts per TDP watt (server share)", "×", "0.000",
        beyond.SERVER_POWER_FACTOR, AT_LEAST_ONE, MONEY, "Epoch AI: 1,275 W per 700 W H100 (DGX H100 10.2 kW / 8)."),
    row_in("pue", "PUE", "Power usage effectiveness (PUE)", "", "0.00", beyond.PUE, AT_LEAST_ONE, MONEY,
        "Epoch AI uses 1.2-1.3."),
    row_in("load_factor", "平均负载率", "Average load (share of peak power)", "", "0%", beyond.LOAD_FACTOR, FRACTION,
        MONEY, "Epoch AI: 70%."),
    row_in("power_price_yuan_kwh", "电价", "Electricity price", "元/kWh", "0.00", 0.5, NONNEGATIVE, MONEY,
        "Assumption: 0.5 元/kWh."),
    Row("card_power_w", "单卡整机功耗", "All-in watts per card", "W", "#,##0", MONEY, fn=beyond.card_power_w,
        native="{tdp_w}*{server_power_factor}"),
    Row("fleet_power_mw", "平均功率", "Average facility power", "MW", "#,##0.0", MONEY,
        fn=beyond.fleet_power_mw, udf="FLEET_POWER_MW",
        native=f"{{fleet_cards_wan}}*{WAN_XL}*{{card_power_w}}*{{pue}}*{{load_factor}}/{MEGA_XL}"),
    Row("energy_gwh_per_year", "年用电量", "Energy per year", "GWh", "#,##0", MONEY,
        fn=beyond.energy_gwh_per_year, native=f"{{fleet_power_mw}}*{HOURS_PER_YEAR_XL}/{KILO_XL}"),
    Row("electricity_cost_yi", "年电费", "Electricity cost per year", "亿元", "#,##0.00", MONEY,
        fn=beyond.electricity_cost_yi, native=f"{{energy_gwh_per_year}}*{MEGA_XL}*{{power_price_yuan_kwh}}/{YI_XL}"),
    Row("card_hour_yuan", "单卡小时折旧", "Amortized capex per card-hour", "元", "0.00", MONEY,
        fn=beyond.card_hour_yuan, bind=_SERVER, native=f"{{fleet_server_price_wan}}*{WAN_XL}/{{fleet_cards_per_server}}/({{life_years}}*{HOURS_PER_YEAR_XL})"),
    Row("cost_per_mtok_yuan", "每百万token成本", "Cost per 1M tokens (capex + power)", "元", "0.00", MONEY,
        fn=beyond.cost_per_mtok_yuan, udf="COST_PER_MTOK",
        native=f"({{fleet_cards_wan}}*{WAN_XL}*{{card_hour_yuan}}*{HOURS_PER_YEAR_XL}+{{electricity_cost_yi}}*{YI_XL})"
               f"/({{daily_tokens_yi}}*{YI_XL}*{DAYS_PER_YEAR_XL}/{MEGA_XL})"),
)


# The sensitivity grid: the report's compute-only capex over MFU × peak multiplier, built from the
# Figure 11 rows (flops → cards → capex) by the writer.
GRID = Grid(
    result="capex_yi", row_input="mfu", row_values=(0.2, 0.3, 0.4, 0.5, 0.6),  # public serving data implies 10-40%
    col_input="peak_multiplier", col_values=(2.0, 3.0, 4.0, 5.0, 6.0),  # the report uses 4 and 5
    title_zh="敏感性：报告口径资本开支",
    title_en="Sensitivity: the report's compute-only capex (亿元) over MFU × peak multiplier",
    chart_title="报告口径资本开支 vs MFU（按峰值倍数）/ Capex vs MFU by peak multiplier (亿元)",
)

BEYOND = Sheet(
    key="beyond",
    title="Beyond",
    rows=ROWS,
    prefix="bx_",  # defined names of this sheet: bx_<key>_<column>
    title_zh=TITLE_ZH,
    title_en=TITLE_EN,
    source=SOURCE_LINE,
    section_titles=SECTION_TITLES,
    chart=("fleet_cards_wan", "带宽感知卡数（万张）/ Bandwidth-aware cards by scenario (万张)"),
    grid=GRID,
    explain=(beyond.infeasible_reason, "memory_headroom_gb", "decode_step_s", "tpot_slo_s"),
    explain_title="Infeasible (feasible = 0):",
    notes=(("超越图11 / Beyond Figure 11",
            "The Beyond sheet sizes the same scenarios with prefill (compute bound) + decode (per step: the KV-cache "
            "read + max(weight read, matmul compute) + tensor/expert-parallel communication, the general form of "
            "jax-ml/scaling-book; kv_serial_share = 0 gives the simple roofline) on the accelerator in its inputs; "
            "MoE steps read only the experts the batch hits; 'feasible' = 0 flags a batch that "
            "does not fit in memory or a step time over the SLO. Its parameters, MFU and card peak follow the "
            "Figure 11 sheet (green cells) unless a scenario sets them. See docs/beyond.md."),),
)
