"""Configuration: layering, coercion, validation with messages that name the bad value."""

import json

import pytest

from otgan.config import TrainConfig, critic_optimizer_kind, from_dict, read_config_file, resolve
from otgan.errors import ConfigError
from otgan.methods import METHODS


def test_layers_defaults_preset_file_cli(tmp_path):
    f = tmp_path / "run.toml"
    f.write_text('method = "wgan-clip"\nclip = 0.03\nlr-d = 0.002\n')
    cfg = resolve({"lr_d": "0.004"}, f)
    preset = METHODS["wgan-clip"].presets["default"]
    assert cfg.method == "wgan-clip"
    assert cfg.clip == 0.03  # file beats preset
    assert cfg.lr_d == 0.004  # option beats file
    assert cfg.lr_g == preset["lr_g"]  # preset beats field default
    assert cfg.data == TrainConfig.data  # field default


def test_paper_presets_hold_the_papers_values():
    clip = resolve({"method": "wgan-clip", "preset": "paper"})
    assert (clip.optimizer, critic_optimizer_kind(clip), clip.lr_d, clip.clip, clip.batch_size,
            clip.n_critic) == ("rmsprop", "rmsprop", 5e-5, 0.01, 64, 5)
    # the measured default keeps the clipped critic on RMSProp and gives the generator Adam
    clip = resolve({"method": "wgan-clip"})
    assert (clip.optimizer, critic_optimizer_kind(clip)) == ("adam", "rmsprop")
    gp = resolve({"method": "wgan-gp", "preset": "paper"})
    assert (gp.gp_lambda, gp.lr_d, gp.beta1, gp.beta2, gp.n_critic) == (10.0, 1e-4, 0.0, 0.9, 5)


def test_course_presets_hold_the_course_settings():
    lab = resolve({"method": "wgan-clip", "preset": "lab"})
    assert (lab.g_hidden, lab.d_hidden, lab.activation, lab.latent_dim, lab.optimizer,
            lab.beta1, lab.beta2, lab.n_critic, lab.ema) == ((128, 64), (128, 64), "relu", 2,
                                                             "adam", 0.5, 0.9, 5, 0.0)
    assert resolve({"method": "wgan-gp", "preset": "lab"}).gp_lambda == 10.0
    nb = resolve({"method": "gan-ns", "preset": "notebook", "data": "mnist"})
    assert (nb.batch_size, nb.lr_g, nb.lr_d, nb.beta1, nb.beta2, nb.latent_dim, nb.arch,
            nb.n_critic) == (1024, 2e-4, 2e-4, 0.5, 0.999, 128, "dcgan", 1)
    blog = resolve({"method": "wgan-clip", "preset": "blog", "data": "mnist"})
    assert (blog.optimizer, critic_optimizer_kind(blog), blog.lr_d, blog.clip, blog.batch_size,
            blog.n_critic, blog.d_norm) == ("rmsprop", "rmsprop", 1e-5, 0.01, 64, 5, "batchnorm")
    gp = resolve({"method": "wgan-gp", "preset": "blog", "data": "mnist"})
    assert (gp.lr_d, gp.gp_lambda, gp.d_norm) == (1e-4, 10.0, "layernorm")


@pytest.mark.parametrize("method, preset, data", [("wgan-clip", "lab", "ring"),
                                                  ("wgan-gp", "lab", "ring"),
                                                  ("gan-ns", "notebook", "digits"),
                                                  ("wgan-clip", "blog", "digits"),
                                                  ("wgan-gp", "blog", "digits")])
def test_course_presets_train(method, preset, data):
    import otgan

    run = otgan.train(method=method, preset=preset, data=data, steps=2, eval_every=0,
                      metrics="sliced", tensorboard=False, progress=False)
    assert run.state.step == 2 and run.config.preset == preset


def test_image_sets_default_to_the_images_preset_where_the_method_has_one():
    gp = resolve({"data": "mnist"})
    assert gp.preset == "images" and (gp.arch, gp.gp_lambda, gp.latent_dim) == ("mlp", 10.0, 32)
    assert resolve({"data": "digits", "method": "wgan-lp"}).preset == "images"
    assert resolve({"data": "mnist", "method": "wgan-clip"}).preset == "default"
    assert resolve({"data": "ring"}).preset == "default"
    named = resolve({"data": "mnist", "preset": "default"})  # a named preset is kept
    assert named.preset == "default" and named.gp_lambda == 0.1
    assert resolve({"data": "mnist", "arch": "dcgan"}).arch == "dcgan"  # options beat presets


@pytest.mark.parametrize("key,value,match", [
    ("lr_g", "-1", "lr_g must be > 0"),
    ("lr_d", "0", "lr_d must be > 0"),
    ("n_critic", "0", "n_critic must be between 1 and 1000000"),
    ("batch_size", "2.5", "batch_size: expected an integer"),
    ("steps", "abc", "steps: expected an integer"),
    ("clip", "nan", "clip: must be a finite number"),
    ("ema", "1", r"ema must be in \[0, 1\)"),
    ("g_hidden", "128,x", "g_hidden: expected comma-separated integers"),
    ("d_hidden", "0,4", "widths must be between 1 and 16384"),
    ("device", "tpu", "device must be auto"),
    ("activation", "swish", "activation: must be one of"),
    ("method", "wgan", "method must be one of gan, "),
    ("method", "wgan-gpp", "did you mean 'wgan-gp'"),
    ("preset", "fast", "has presets default, paper, images"),
    ("critic_boost", "maybe", "critic_boost: expected true or false"),
])
def test_bad_values_name_the_field(key, value, match):
    with pytest.raises(ConfigError, match=match):
        resolve({key: value})


def test_unknown_key_names_the_closest_valid_key(tmp_path):
    with pytest.raises(ConfigError, match="did you mean 'n_critic'"):
        resolve({"ncritic": 3})
    f = tmp_path / "c.json"
    f.write_text(json.dumps({"learning_rate_g": 1e-3}))
    with pytest.raises(ConfigError, match="unknown config key 'learning_rate_g'.*'lr_g'"):
        resolve({}, f)


def test_split_sizes_apply_to_toy_sets_only():
    # --n-train on mnist used to be accepted and ignored (the image sets keep their split)
    with pytest.raises(ConfigError, match="n_train sizes the built-in toy sets; mnist keeps"):
        resolve({"data": "mnist", "n_train": 1000})
    with pytest.raises(ConfigError, match="n_train and n_test size"):
        resolve({"data": "points.npy", "n_train": 500, "n_test": 500})
    assert resolve({"data": "moons", "n_train": 1000}).n_train == 1000
    assert resolve({"data": "mnist", "method": "sd-wgan"}).n_train == 1000  # the preset's: inert


def test_method_specific_option_on_another_method_is_an_error():
    with pytest.raises(ConfigError, match="clip does not apply to method wgan-gp"):
        resolve({"method": "wgan-gp", "clip": 0.1})
    with pytest.raises(ConfigError, match="beta1/beta2 apply to the adam"):
        resolve({"method": "wgan-clip", "preset": "paper", "beta1": 0.5})
    with pytest.raises(ConfigError, match=r"not rmsprop \(generator\), sgd \(critic\)"):
        resolve({"method": "wgan-gp", "optimizer": "rmsprop", "d_optimizer": "sgd", "beta2": 0.9})
    # betas are read when either network's optimizer is Adam
    assert resolve({"method": "wgan-clip", "optimizer": "rmsprop", "d_optimizer": "adam",
                    "beta1": 0.5}).beta1 == 0.5


def test_config_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        read_config_file(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("lr_g = = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_config_file(bad)
    sec = tmp_path / "sec.toml"
    sec.write_text("[optim]\nlr_g = 1e-3\n")
    with pytest.raises(ConfigError, match="sections are not used"):
        read_config_file(sec)
    yml = tmp_path / "c.yaml"
    yml.write_text("a: 1")
    with pytest.raises(ConfigError, match="toml or .json"):
        read_config_file(yml)


def test_round_trip_through_a_dict():
    cfg = resolve({"method": "sngan", "g_hidden": "32,16,8", "seed": 7})
    again = from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg
    assert again.g_hidden == (32, 16, 8)


def test_every_spec_has_its_implementation():
    """Specs (no PyTorch) and implementations are separate modules; every name on one side is on
    the other: methods, metrics, data sets, latent laws and activations."""
    from otgan.data.images import SOURCES
    from otgan.data.specs import IMAGE_SETS, POINT_SETS
    from otgan.data.toy import TOY
    from otgan.methods.registry import IMPLEMENTATIONS
    from otgan.methods.specs import METHODS as METHOD_SPECS
    from otgan.metrics.suite import REGISTRY
    from otgan.metrics.specs import METRICS
    from otgan.nets.latent import sample_latent
    from otgan.nets.mlp import ACTIVATIONS
    from otgan.nets.specs import ACTIVATIONS as ACTIVATION_NAMES
    from otgan.nets.specs import LATENTS

    assert list(IMPLEMENTATIONS) == list(METHOD_SPECS)
    assert all(cls.name == name for name, cls in IMPLEMENTATIONS.items())
    assert set(REGISTRY) == set(METRICS)
    assert tuple(TOY) == POINT_SETS
    # digits: scikit-learn's own copy; stacked-mnist: built from MNIST (data/stacked.py)
    assert set(IMAGE_SETS) == set(SOURCES) | {"digits", "stacked-mnist"}
    assert tuple(ACTIVATIONS) == ACTIVATION_NAMES
    for kind in LATENTS:
        assert sample_latent(kind, (3, 2)).shape == (3, 2)


def test_method_fields_come_from_the_specs():
    """TrainConfig holds the general fields and every method's own, each read by its method."""
    from otgan.config import FIELDS
    from otgan.methods.specs import METHODS, readers

    for spec in METHODS.values():
        for f in spec.fields:
            assert FIELDS[f.name] is f and spec.name in readers(f.name)
    assert readers("lr_g") == [] and readers("gp_lambda") == ["wgan-gp", "wgan-lp", "bigan-gp"]
    assert TrainConfig().r1_gamma == 10.0 and resolve({"method": "gan-r1"}).r1_gamma == \
        METHODS["gan-r1"].presets["default"]["r1_gamma"]


@pytest.mark.parametrize("key", ["out", "overwrite", "resume"])
def test_command_options_in_a_config_file_are_named_as_such(tmp_path, key):
    from otgan.config import read_config_file

    f = tmp_path / "c.toml"
    f.write_text(f'{key} = "x"\nsteps = 5\n')
    with pytest.raises(ConfigError, match=f"'{key}' is not a training setting .* pass --{key}"):
        read_config_file(f)


@pytest.mark.parametrize("key,value,needle", [
    ("g_hidden", "99999999999", "widths must be between 1 and 16384"),
    ("batch_size", 10**11, "batch_size must be between 1 and 16777216"),
    ("latent_dim", 10**11, "latent_dim must be between 0 and 16384"),
    ("eval_n", 10**11, "eval_n must be between 2 and 100000000"),
    ("n_critic", 10**11, "n_critic must be between 1 and 1000000")])
def test_sizes_no_memory_holds_are_refused_before_allocating(key, value, needle):
    from otgan.config import resolve

    with pytest.raises(ConfigError, match=needle):
        resolve({key: value})


def test_lr_sets_both_learning_rates_from_options_and_files(tmp_path):
    from otgan.config import resolve

    cfg = resolve({"lr": 3e-4})
    assert cfg.lr_g == cfg.lr_d == 3e-4
    f = tmp_path / "c.toml"
    f.write_text("lr = 2e-4\n")
    cfg = resolve({}, f)
    assert cfg.lr_g == cfg.lr_d == 2e-4
    with pytest.raises(ConfigError, match="lr sets lr_g and lr_d; give lr or lr_d, not both"):
        resolve({"lr": 1e-3, "lr_d": 1e-4})
