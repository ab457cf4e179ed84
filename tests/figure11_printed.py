"""Figure 11 as printed: the oracle shared by the tests.

Source: Minsheng Securities, 2024-12-26, "豆包大模型推理算力需求测算", Figure 11 (the seed
report, transcribed in shared/reference/figure11.md "The table as printed").  Columns: 2024年末,
保守, 中性, 乐观; each cell the text exactly as printed, keyed by the layout row it belongs to.
"""

PRINTED = {
    "mau_wan": ["6000", "10000", "15000", "20000"],
    "dau_wan": ["900", "1500", "2250", "3000"],
    "params_yi": ["1300", "1300", "1300", "1300"],
    "daily_tokens_yi": ["40000", "66667", "100000", "133333"],
    "inference_time_s": ["2", "2", "2", "2"],
    "tokens_per_s_yi": ["0.31", "0.51", "0.77", "1.03"],
    "peak_multiplier": ["4", "4", "4", "5"],
    "flops": ["3.20988E+19", "5.34979E+19", "8.02469E+19", "1.33745E+20"],
    "card_tflops": ["148", "148", "148", "148"],
    "mfu": ["50%", "50%", "50%", "50%"],
    "cards_wan": ["43", "72", "108", "181"],
    "card_price_wan": ["8.4", "8.4", "8.4", "8.4"],
    "server_price_wan": ["84", "84", "84", "84"],
    "capex_yi": ["455.46", "759.09", "1138.64", "1897.73"],
}

# figure11.md, "Full-precision values of the chain" (checked by hand there), to more digits.
FULL_CARDS = [43.37671004337670, 72.29451673896118, 108.44177510844176, 180.73629184740293]
FULL_CAPEX = [455.4554554554554, 759.0924257590924, 1138.6386386386385, 1897.7310643977306]
