"""Settings are checked once, at start: a bad value or an unknown REPORT_ASSISTANT_* name stops every
command (even `status`) with one line naming the variable and what it accepts."""

from __future__ import annotations

import pytest
from conftest import run_cli

from assistant.settings import Settings, SettingsError

BAD = [
    ("REPORT_ASSISTANT_PORT", "abc", "whole number from 1 to 65535"),
    ("REPORT_ASSISTANT_EMBED_BATCH_SIZE", "0", "whole number from 1 to 4096"),
    ("REPORT_ASSISTANT_MAX_FILE_MB", "-5", "whole number from 1"),
    ("REPORT_ASSISTANT_MAX_PAGES", "0", "whole number from 1"),
    ("REPORT_ASSISTANT_ABSTAIN_BELOW", "nan", "number from 0.0 to 1.0"),
    ("REPORT_ASSISTANT_ABSTAIN_BELOW", "1.5", "number from 0.0 to 1.0"),
    ("REPORT_ASSISTANT_LLM_TIMEOUT_S", "inf", "number from 0.1"),
    ("REPORT_ASSISTANT_ALLOW_DOWNLOADS", "maybe", "yes/no"),
    ("REPORT_ASSISTANT_MAX_QUESTION_CHARS", "0", "whole number from 1"),
    ("REPORT_ASSISTANT_HOST", " ", "needs a value"),
    ("REPORT_ASSISTANT_ALOW_DOWNLOADS", "1", "did you mean REPORT_ASSISTANT_ALLOW_DOWNLOADS"),
    ("REPORT_ASSISTANT_COLOUR", "blue", "unknown setting"),
]


@pytest.mark.parametrize("variable,value,accepts", BAD, ids=[f"{v}={x}" for v, x, _ in BAD])
def test_a_bad_setting_stops_status_with_one_line(variable, value, accepts, tmp_path):
    result = run_cli("--data-dir", str(tmp_path / "data"), "status", env={variable: value}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert variable in lines[0] and accepts in lines[0], lines[0]
    assert not (tmp_path / "data").exists()  # nothing ran


def test_a_bad_port_flag_is_one_line(tmp_path):
    result = run_cli("--data-dir", str(tmp_path / "data"), "chat", "--port", "70000", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --port='70000' is not usable; it accepts a whole number from 1 to 65535"


def test_good_values_are_read_with_their_types():
    settings = Settings.from_env(
        {
            "REPORT_ASSISTANT_PORT": " 8080 ",
            "REPORT_ASSISTANT_ABSTAIN_BELOW": "0.3",
            "REPORT_ASSISTANT_ALLOW_DOWNLOADS": "yes",
            "REPORT_ASSISTANT_MAX_QUESTION_CHARS": "50",
        }
    )
    assert (settings.port, settings.abstain_below, settings.allow_downloads, settings.max_question_chars) == (
        8080,
        0.3,
        True,
        50,
    )
    assert Settings.from_env({}).max_question_chars == 4000


def test_overrides_are_checked_like_variables():
    with pytest.raises(SettingsError, match="--embed-batch-size"):
        Settings.from_env({}, embed_batch_size=0)
