"""template.yaml: cfn-lint clean, and in step with the bundle and the code it deploys."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from skill.tools import bundle

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
CFN_LINT = Path(sys.executable).with_name("cfn-lint")
# What the Lambda needs set (skill.runtime.pipeline.Config, skill.runtime.persistence); the log level is
# ACUPRESSURE_LOG_LEVEL because that is the name skill/app.py reads.
REQUIRED_ENV = {"ACUPRESSURE_SKILL_ID", "ACUPRESSURE_DYNAMODB_TABLE",
                "ACUPRESSURE_AUDIO_BASE_URL", "ACUPRESSURE_LOG_LEVEL"}


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that keeps CloudFormation short-form tags as {"!Tag": value}."""


def _tag(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict:
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {f"!{suffix}": value}


_CfnLoader.add_multi_constructor("!", _tag)


@pytest.fixture(scope="module")
def template() -> dict:
    return yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)


@pytest.fixture(scope="module")
def function(template) -> dict:
    return template["Resources"]["SkillFunction"]["Properties"]


def _lint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(CFN_LINT), "--format", "parseable", "--", str(path)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow  # cfn-lint loads every resource spec: ~1.7 s a run
def test_cfn_lint_finds_nothing():
    result = _lint(TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


@pytest.mark.slow  # cfn-lint loads every resource spec: ~1.7 s a run
def test_cfn_lint_does_catch_a_broken_template(tmp_path):
    """The lint above is not vacuous: the same run rejects a bad runtime and key type."""
    broken = tmp_path / "template.yaml"
    text = TEMPLATE.read_text(encoding="utf-8")
    broken.write_text(text.replace("Runtime: python3.12", "Runtime: python2.7")
                      .replace("AttributeType: S", "AttributeType: X"), encoding="utf-8")
    result = _lint(broken)
    assert result.returncode & 2, result.stdout  # 2 = errors
    assert "E2533" in result.stdout or "python2.7" in result.stdout


def test_function_matches_the_bundle(function):
    assert function["Runtime"] == bundle.LAMBDA_RUNTIME == f"python{bundle.PYTHON_VERSION}"
    assert function["Architectures"] == [bundle.ARCHITECTURE]
    assert function["Handler"] == "lambda_function.lambda_handler"
    assert Path(function["CodeUri"]) == bundle.DEFAULT_OUT
    assert function["Timeout"] <= 8  # Alexa waits about 8 s for the whole response


def test_only_the_skill_may_invoke(function):
    events = function["Events"]
    assert [e["Type"] for e in events.values()] == ["AlexaSkill"]
    assert next(iter(events.values()))["Properties"]["SkillId"] == {"!Ref": "SkillId"}


def test_state_table_matches_the_dynamodb_adapter(template, function):
    table = template["Resources"]["StateTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    # ask_sdk_dynamodb.adapter.DynamoDbAdapter(partition_key_name="id") by default.
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    # Least privilege: CRUD on this table and nothing else.
    assert function["Policies"] == [{"DynamoDBCrudPolicy": {"TableName": {"!Ref": "StateTable"}}}]


def test_audio_bucket_is_public_read_of_the_prefix_only(template):
    resources = template["Resources"]
    block = resources["AudioBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert block["BlockPublicAcls"] and block["IgnorePublicAcls"]
    statements = resources["AudioBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1
    assert allows[0]["Action"] == "s3:GetObject"
    assert allows[0]["Resource"] == {"!Sub": "${AudioBucket.Arn}/${AudioPrefix}*"}
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert denies and denies[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_outputs_feed_the_next_deploy_steps(template, function):
    outputs = template["Outputs"]
    assert outputs["SkillFunctionArn"]["Value"] == {"!GetAtt": "SkillFunction.Arn"}
    assert outputs["AudioBucketName"]["Value"] == {"!Ref": "AudioBucket"}
    base_url = function["Environment"]["Variables"]["ACUPRESSURE_AUDIO_BASE_URL"]
    assert outputs["AudioBaseUrl"]["Value"] == base_url
    assert base_url["!Sub"].startswith("https://") and base_url["!Sub"].endswith("/${AudioPrefix}")
    assert template["Parameters"]["AudioPrefix"]["AllowedPattern"].endswith("/)+$")
    # The publish default prefix is the template default: URLs and keys line up.
    assert template["Parameters"]["AudioPrefix"]["Default"] == "audio/"


def _env_names_in_code() -> set[str]:
    """Environment variable names the runtime code (skill/, lambda/) mentions as literals."""
    names: set[str] = set()
    sources = [*(ROOT / "skill").rglob("*.py"), *(ROOT / "lambda").glob("*.py")]
    for path in sources:
        if path.name in {"bundle.py", "publish.py"} or {"render", "web"} & set(path.parts):
            continue
        names |= set(re.findall(r"""["']((?:ACUPRESSURE_[A-Z0-9_]+)|LOG_LEVEL)["']""",
                                path.read_text(encoding="utf-8")))
    return names


def test_environment_is_the_documented_set(function):
    assert set(function["Environment"]["Variables"]) == REQUIRED_ENV


def test_every_variable_the_template_sets_is_read_by_the_runtime(function):
    """No typo and nothing dead: each name appears as a literal in skill/ or lambda/ code."""
    unread = set(function["Environment"]["Variables"]) - _env_names_in_code()
    assert not unread, f"template sets variables no runtime code reads: {sorted(unread)}"
