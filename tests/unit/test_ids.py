"""Public ids: prefix + 16 characters of [A-Za-z0-9], all characters about equally likely."""

from __future__ import annotations

import re
import string
from collections import Counter

from paygate_app.core.ids import new_order_id, new_payment_id, new_refund_id, random_alnum


def test_ids_have_prefix_and_sixteen_alphanumerics():
    for make, prefix in [(new_order_id, "order_"), (new_payment_id, "pay_"), (new_refund_id, "rfnd_")]:
        ids = {make() for _ in range(2000)}
        assert len(ids) == 2000
        assert all(re.fullmatch(re.escape(prefix) + r"[A-Za-z0-9]{16}", i) for i in ids)


def test_random_alnum_draws_every_character_evenly():
    counts = Counter("".join(random_alnum() for _ in range(20_000)))  # 320,000 characters
    assert set(counts) == set(string.ascii_letters + string.digits)
    expected = 320_000 / 62
    # a modulo bias (bytes 248-255 folded onto the first 8 characters) would put those 25 % high;
    # ±10 % is over 7 standard deviations of an honest draw
    assert max(counts.values()) < expected * 1.10 and min(counts.values()) > expected * 0.90
    assert len(random_alnum(40)) == 40
