"""Critics trained alone, against known answers: the translation oracle W1 = |t| for every
method that estimates W1, the GAN discriminator's JS = log 2 on disjoint supports."""

import json
import math

import pytest
import torch

import otgan
from otgan.cli import main
from otgan.methods import IMPLEMENTATIONS, METHODS

# critics trained alone between two sets of points (a critic of BiGAN's (x, z) pairs is not)
W1_METHODS = [n for n, c in IMPLEMENTATIONS.items()
              if METHODS[n].estimates == "W" and not c.critic_from_data and not c.bidirectional]


@pytest.mark.parametrize("data", ["ring", "8gaussians"])
@pytest.mark.parametrize("method", W1_METHODS)
def test_translation_oracle(method, data):
    # the fake side is the real side translated by t = (0.5, 0): W1 = 0.5 exactly.  Measured
    # (2000 updates): 0.98-1.03 of W1 for every method and set, while the raw critic gap is
    # 3.4 (wgan-gp on the ring) or 0.19 (wgan-clip) times W1
    r = otgan.fit_critic(data, data, method=method, steps=1000, shift=(0.5, 0.0))
    assert r["w1"] == pytest.approx(0.5, abs=1e-6)
    assert r["w_estimate"] == pytest.approx(0.5, rel=0.1), r["critic_gap"]
    assert r["w_ratio"] == pytest.approx(r["w_estimate"] / r["w1"])


def test_a_semi_discrete_critic_alone_has_no_warm_up():
    # a warm-up counts generator updates; a critic trained alone has none, so the method's
    # ``critic_alone`` values turn it off: the same critic with and without one asked for
    kw = dict(method="sd-wgan", steps=300, shift=(0.5, 0.0))
    a = otgan.fit_critic("ring", "ring", **kw)
    b = otgan.fit_critic("ring", "ring", sd_warmup_targets=100, sd_warmup_steps=50, **kw)
    assert b["w_estimate"] == a["w_estimate"]
    assert a["w_estimate"] == pytest.approx(0.5, rel=0.1)


def test_discriminator_reaches_log_2_on_disjoint_supports():
    r = otgan.fit_critic("ring", "ring", method="gan", steps=1000, shift=(3.0, 0.0))
    assert r["js_estimate"] == pytest.approx(math.log(2), rel=0.02)
    assert "w_estimate" not in r


def test_a_frozen_generator_is_a_side(tmp_path):
    run = otgan.train(data="ring", steps=30, batch_size=64, n_train=1000, n_test=1000,
                      eval_every=0, out=tmp_path / "run")
    r = otgan.fit_critic("ring", run, steps=200, n_test=2000)
    assert r["fake"].startswith("generator of") and r["w1"] > 0.05
    assert r["w_estimate"] > 0


def test_cli_writes_critic_json_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "c"
    args = ["critic", "--real", "ring", "--shift", "0.5,0", "--steps", "300", "--out", str(out),
            "--set", "n_test=2000", "--no-progress"]
    with pytest.raises(SystemExit) as e:
        main(args)
    assert e.value.code == 0
    record = json.loads((out / "critic.json").read_text())
    assert record["w1"] == pytest.approx(0.5) and "w_estimate" in record
    assert (out / "critic.png").read_bytes()[:4] == b"\x89PNG"
    assert "w_estimate" in capsys.readouterr().out
    for bad, needle in ((args, "critic.json: exists; pass --overwrite"),
                        (["critic", "--real", "ring", "--shift", "a,b", "--out", str(out)],
                         "--shift 'a,b'")):
        with pytest.raises(SystemExit) as e:
            main(bad)
        err = capsys.readouterr().err
        assert e.value.code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_the_critic_is_returned_and_the_training_streams_are_seeded():
    a = otgan.fit_critic("ring", "ring", steps=50, shift=(0.5, 0.0), seed=3)
    b = otgan.fit_critic("ring", "ring", steps=50, shift=(0.5, 0.0), seed=3)
    assert a["critic_gap"] == b["critic_gap"]
    x = torch.zeros(4, 2)
    assert torch.equal(a["critic"](x), b["critic"](x))
