"""Every real third-party input in ../shared/samples is read and converted as its tool wrote it.

The table below says, for each file, which family and reader take it (and whether the reader is
found without ``--from``), the column mapping an operator would give, how many incidents it must
give, which non-incident events it must count, and values the documents must carry (the source
address or sender, the account, ...). Documents are checked with the public validator (schema and
RFC rules, warnings included). The folder is read-only shared data: the test skips when it is
absent, and fails instead under ``CI=true``.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from iodef.convert import ConvertOptions
from iodef.convert._run import DocumentWriter, Input, Stats, convert_inputs
from iodef.convert.readers import detect
from iodef.convert.readers.columns import ReadOptions, parse_columns
from iodef.errors import RecordError

from .conftest import SHARED_SAMPLES, assert_valid_document, require_samples

SAMPLES = SHARED_SAMPLES


@dataclass(frozen=True)
class Outcome:
    family: str
    reader: str
    incidents: int
    skipped: dict[str, int] = field(default_factory=dict)
    carries: tuple[str, ...] = ()
    #: the reader is named (--from) rather than detected: a CSV export without the reader's header
    named: bool = False
    columns: str | None = None
    time_format: str | None = None


EXPECTED: dict[str, Outcome] = {
    # --- rat
    "rat/anydesk/yuankongchengxu__ad.trace_lines1-200": Outcome(
        "rat", "anydesk-trace", 0, {"other": 197}
    ),  # no incoming session in the trace: every line is counted as 'other'
    "rat/suricata-eve/panther__suricata_eve_test_ssh-scan_eve.json": Outcome(
        "rat", "suricata", 1, {"other": 5}, ("45.141.86.128", "172.31.8.201")
    ),
    "rat/suricata-eve/panther__suricatalogs_alert_test_wrccdc_alerts.json": Outcome(
        "rat", "suricata", 9, {}, ("10.128.0.207", "ms.rdp.established")
    ),
    "rat/teamviewer/jie0112-teviewer__TeamViewer12_Logfile.log": Outcome(
        "rat", "teamviewer-log", 0, {"other": 246}
    ),  # a service log without an incoming session
    "rat/windows-evtx-json/evtx-attack-samples__RDP_Tunneling_4624.jsonl": Outcome(
        "rat", "winevt-json", 3, {"logon-local": 1}, ("127.0.0.1", "rdp-tunnel", "IEUser")
    ),
    "rat/windows-evtx-json/evtx-attack-samples__RDP_Tunneling_RCM_1149_261.jsonl": Outcome(
        "rat", "winevt-json", 6, {"other": 25}, ("127.0.0.1", "fe80::80ac:4126:fa58:1b81", "administrator")
    ),
    "rat/windows-evtx-json/evtx-attack-samples__rdpsharp_RdpCoreTS_131_168_68.jsonl": Outcome(
        "rat", "winevt-json", 0, {"internal-session": 22, "other": 18}
    ),  # RdpCoreTS 131 from 10.0.2.16: private address space
    "rat/windows-evtx-json/evtx-to-mitre__ID1149_RDP_logins_multiple_hosts.jsonl": Outcome(
        "rat", "winevt-json", 1, {}, ("10.23.123.11", "admmig", "11 system(s)")
    ),
    "rat/windows-evtx-json/evtx-to-mitre__ID4625_OpenSSH_bruteforce_nonexisting_users.jsonl": Outcome(
        "rat", "winevt-json", 1, {"other": 14, "logon-local": 1}, ("NOUSER", "brute-force")
    ),
    "rat/windows-evtx-json/evtx-to-mitre__ID4688_4778_4779_RDP_hijack.jsonl": Outcome(
        "rat", "winevt-json", 1, {"other": 12}, ("10.23.23.9", "admmarsid", "JUMP01")
    ),
    "rat/windows-evtx-xml/evtx-to-mitre__ID4688_4778_4779_RDP_hijack.xml": Outcome(
        "rat", "winevt-xml", 1, {"other": 12}, ("10.23.23.9", "admmarsid", "JUMP01")
    ),
    "rat/winlogbeat-json/elastic-beats__winlogbeat_security_collection_4779.evtx.golden.json": Outcome(
        "rat", "winevt-json", 0, {"logoff": 5}
    ),  # 4779: sessions disconnected
    "rat/zeek-json/elastic-beats__zeek_ssh_test__ssh-json.log": Outcome(
        "rat", "zeek-json", 0, {"internal-session": 1}
    ),
    "rat/zeek-json/zed-sample-data__wrccdc2018__rdp_slice.json": Outcome(
        "rat", "zeek-json", 1, {"internal-session": 6}, ("10.164.94.120",)
    ),
    "rat/zeek-json/zed-sample-data__wrccdc2018__rfb.json": Outcome(
        "rat", "zeek-json", 0, {"internal-session": 3}
    ),
    "rat/zeek-json/zed-sample-data__wrccdc2018__ssh.json": Outcome(
        "rat", "zeek-json", 2, {"internal-session": 15}, ("10.0.0.227",)
    ),
    "rat/zeek-tsv/zed-sample-data__wrccdc2018__rdp_slice.log": Outcome(
        "rat", "zeek-tsv", 1, {"internal-session": 6}, ("10.164.94.120",)
    ),
    "rat/zeek-tsv/zed-sample-data__wrccdc2018__rfb.log": Outcome(
        "rat", "zeek-tsv", 0, {"internal-session": 3}
    ),
    "rat/zeek-tsv/zed-sample-data__wrccdc2018__ssh.log": Outcome(
        "rat", "zeek-tsv", 2, {"internal-session": 15}, ("10.0.0.227",)
    ),
    "rat/zeek-tsv/zeek__rdp-proprietary-encryption__rdp.log": Outcome(
        "rat", "zeek-tsv", 1, {}, ("172.21.128.16", "FTBCO\\A70")
    ),
    "rat/zeek-tsv/zeek__rfb-vnc-mac-to-linux__rfb.log": Outcome("rat", "zeek-tsv", 1, {}, ("192.168.2.115",)),
    "rat/zeek-tsv/zeek__ssh-curve25519_kex__ssh.log": Outcome("rat", "zeek-tsv", 1, {}, ("192.168.1.100",)),
    # --- spam
    "spam/arf/flanker__complaints_aol.eml": Outcome(
        "spam", "arf", 1, {}, ("bob@example.com", "173.193.210.34")
    ),
    "spam/arf/flanker__complaints_yahoo.eml": Outcome("spam", "arf", 1, {}, ("user@yahoo.com",)),
    "spam/arf/sisimai__bsd_arf-12.eml": Outcome("spam", "arf", 0, {"opt-out": 1}),
    "spam/arf/sisimai__bsd_arf-19.eml": Outcome("spam", "arf", 0, {"auth-failure": 1}),
    "spam/arf/sisimai__bsd_arf-25.eml": Outcome("spam", "arf", 1, {}, ("alice@example.com", "10.0.0.1")),
    "spam/arf/stalwart-mail-auth__arf_001.eml": Outcome("spam", "arf", 1, {}, ("somespammer@example.net",)),
    "spam/arf/stalwart-mail-auth__arf_003.eml": Outcome("spam", "arf", 0, {"auth-failure": 1}),
    "spam/arf/stalwart-mail-auth__arf_005.eml": Outcome("spam", "arf", 0, {"auth-failure": 1}),
    "spam/rcs/chinamobile-maap__rcsspam-report_SR.xml": Outcome(
        "spam", "rcs-report", 1, {}, ("sip:12520040106@botplatform.rcs.chinamobile.com", "天天骚扰")
    ),
    "spam/sms/exais-sms__user14_lines1-50.csv": Outcome(
        "spam",
        "sms-csv",
        44,
        {},
        ("38400", "Etisalat", "Chelsea FC"),
        named=True,
        columns="sender=3,time=5,event=7,body=8+",
        time_format="%d/%m/%Y %H:%M",
    ),
    "spam/sms/smishtank__shortcode-slice.csv": Outcome(
        "spam",
        "sms-csv",
        9,
        {},
        ("42003",),
        named=True,
        columns="sender=Sender,time=timeReceived,body=MainText",
        time_format="%m/%d/%Y, %H:%M:%S",
    ),
    "spam/xarf/abusix-xarf__positive_3_loginattack_sample_optional_api_info.json": Outcome(
        "rat", "xarf", 1, {}, ("192.0.2.55", "198.51.100.33")
    ),  # a log-in attack: the rat family takes it
    "spam/xarf/xarf-spec__v3_phishing_v3_sample.json": Outcome(
        "spam", "xarf", 1, {}, ("https://malicious-example.net/banking-login/", "phishing")
    ),
    "spam/xarf/xarf-spec__v4-initial_messaging_spam_spamcop_sample.json": Outcome(
        "spam", "xarf", 1, {}, ("marketing@example.com", "192.168.1.100")
    ),
    "spam/xarf/xarf-spec__v4_connection-login-attack.json": Outcome(
        "rat", "xarf", 1, {}, ("198.51.100.77", "203.0.113.22", "brute-force")
    ),
    "spam/xarf/xarf-spec__v4_messaging-bulk-messaging.json": Outcome(
        "spam", "xarf", 1, {}, ("promotions@bulk-sender.example",)
    ),
    "spam/xmpp/qxmpp__reportAndBlockFull_abuse.xml": Outcome(
        "spam", "xmpp-report", 1, {}, ("romeo@montague.net",)
    ),
    "spam/xmpp/qxmpp__reportAndBlock_spam.xml": Outcome(
        "spam", "xmpp-report", 1, {}, ("romeo@montague.net",)
    ),
    # --- vms: camera events that are not attacks on the video system are counted, not incidents
    "vms/hikvision-isapi/hikvision_next__cam1_DS-2CD2T46G2-ISU_io_notification.xml": Outcome(
        "vms", "hikvision", 0, {"digital-input": 1}
    ),
    "vms/hikvision-isapi/hikvision_next__ipc_1_fielddetection.xml": Outcome(
        "vms", "hikvision", 0, {"other": 1}
    ),
    "vms/hikvision-isapi/hikvision_next__vmd.xml": Outcome("vms", "hikvision", 0, {"motion": 1}),
    "vms/hikvision-isapi/hikvision_next__vmd_human.xml": Outcome("vms", "hikvision", 0, {"motion": 1}),
    "vms/onvif/onvifcam__Notify_MotionAlarm.xml": Outcome("vms", "onvif", 0, {"motion": 1}),
    "vms/onvif/sharponvif__hikvision_PullMessagesResponse.xml": Outcome(
        "vms", "onvif", 0, {"other": 5, "cleared": 3, "motion": 2}
    ),
    "vms/onvif/zemond__PullMessagesResponse_motion.xml": Outcome("vms", "onvif", 0, {"motion": 2}),
    "vms/unifi-protect/uiprotect__sample_raw_events_slice.json": Outcome(
        "vms", "unifi-protect", 1, {"other": 3, "login": 1, "motion": 4, "digital-input": 2}, ("video-loss",)
    ),  # the camera's CONNECTION_LOSS disconnect
}


def _samples() -> list[str]:
    if not SAMPLES.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SAMPLES} is missing (the shared samples must be present under CI)")
        return []
    return sorted(
        str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*") if p.is_file() and p.suffix != ".md"
    )


def test_every_sample_has_an_expected_outcome() -> None:
    require_samples(SAMPLES)
    assert sorted(EXPECTED) == _samples()


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_sample_is_read_and_converted(rel: str) -> None:
    require_samples(SAMPLES)
    want = EXPECTED[rel]
    data = (SAMPLES / rel).read_bytes()
    if not want.named:
        assert detect(want.family, data[:8192], Path(rel).name) == want.reader
    read_options: ReadOptions | None = None
    if want.columns:
        read_options = parse_columns(want.columns, want.time_format, "UTC")
    stats = Stats()
    errors: list[RecordError] = []
    out = io.BytesIO()
    writer = DocumentWriter(out)
    options = ConvertOptions(name="csirt.example")  # now: two reports carry no time of their own
    inputs = [Input(rel, io.BytesIO(data), want.reader)]
    for incident in convert_inputs(want.family, inputs, options, stats, errors.append, None, read_options):
        writer.write(incident)
    writer.close()
    assert not errors, [str(e) for e in errors]
    assert stats.records > 0
    assert stats.incidents == want.incidents
    assert dict(stats.skipped_events) == want.skipped
    if want.incidents:
        document = out.getvalue()
        assert_valid_document(document)
        text = document.decode("utf-8")
        missing = [v for v in want.carries if v.replace("&", "&amp;") not in text]
        assert not missing, f"the documents lack {missing}"
