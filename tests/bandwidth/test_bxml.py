"""The BXML builder: Bandwidth's names, limits, and round trips through parse_bxml."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from bandwidth.bxml import (
    MAX_BXML_BYTES,
    Bxml,
    BxmlError,
    BxmlTooLargeError,
    Forward,
    Gather,
    Hangup,
    Pause,
    PauseRecording,
    PhoneNumber,
    PlayAudio,
    Record,
    Redirect,
    Response,
    ResumeRecording,
    Ring,
    SendDtmf,
    SpeakSentence,
    StartRecording,
    StopRecording,
    Tag,
    Transfer,
    parse_bxml,
)


def rendered(*verbs: object) -> ET.Element:
    """The single verb element of a rendered Response."""
    root = ET.fromstring(Response(*verbs).to_xml().encode())  # type: ignore[arg-type]
    assert root.tag == "Response"
    assert len(root) == 1
    return root[0]


def every_verb_document() -> Response:
    return Response(
        SpeakSentence("Thanks for calling.", voice="julie", gender="female", locale="en_US"),
        PlayAudio("https://audio.example/hold.mp3", username="u", password="p"),
        Gather(
            [SpeakSentence("Press 1 for sales."), PlayAudio("https://audio.example/beep.wav")],
            gather_url="/voice/gather",
            gather_method="POST",
            gather_fallback_url="https://fallback.example/gather",
            gather_fallback_method="GET",
            username="hook",
            password="secret",
            fallback_username="fb",
            fallback_password="fbsecret",
            tag="menu",
            terminating_digits="#",
            max_digits=1,
            inter_digit_timeout=5,
            first_digit_timeout=10,
            repeat_count=2,
        ),
        Transfer(
            [
                PhoneNumber(
                    "+15552221234",
                    transfer_answer_url="/voice/whisper",
                    transfer_answer_method="POST",
                    transfer_answer_fallback_url="https://fallback.example/whisper",
                    transfer_answer_fallback_method="POST",
                    transfer_disconnect_url="/voice/transfer-disconnect",
                    transfer_disconnect_method="POST",
                    username="u",
                    password="p",
                    fallback_username="fu",
                    fallback_password="fp",
                    tag="agent-7",
                    uui="bXktdXVp;encoding=base64",
                ),
                PhoneNumber("+15552221235"),
            ],
            transfer_caller_id="+15552220000",
            transfer_caller_display_name="Acme Plumbing",
            call_timeout=20,
            transfer_complete_url="/voice/transfer-complete",
            transfer_complete_method="POST",
            transfer_complete_fallback_url="https://fallback.example/complete",
            transfer_complete_fallback_method="POST",
            username="u",
            password="p",
            fallback_username="fu",
            fallback_password="fp",
            tag="transfer",
            diversion_treatment="propagate",
            diversion_reason="unavailable",
        ),
        Record(
            record_complete_url="/voice/record-complete",
            record_complete_method="POST",
            record_complete_fallback_url="https://fallback.example/record",
            record_complete_fallback_method="POST",
            recording_available_url="/voice/recording-available",
            recording_available_method="POST",
            transcribe=True,
            detect_language=False,
            transcription_available_url="/voice/transcription",
            transcription_available_method="POST",
            username="u",
            password="p",
            fallback_username="fu",
            fallback_password="fp",
            tag="voicemail",
            terminating_digits="#",
            max_duration=120,
            silence_timeout=5,
            file_format="mp3",
        ),
        StartRecording(
            recording_available_url="/voice/recording-available",
            recording_available_method="GET",
            transcribe=False,
            detect_language=True,
            transcription_available_url="/voice/transcription",
            transcription_available_method="GET",
            username="u",
            password="p",
            tag="call-recording",
            file_format="wav",
            multi_channel=True,
        ),
        PauseRecording(),
        ResumeRecording(),
        StopRecording(),
        Pause(1.5),
        Ring(2, answer_call=False),
        SendDtmf("12#w*", tone_duration=200, tone_interval=400),
        Tag("after-menu"),
        Forward(
            "+15553334444",
            from_="+15552220000",
            call_timeout=30,
            diversion_treatment="stack",
            diversion_reason="user-busy",
            uui="abc;encoding=hex",
        ),
        Redirect(
            "/voice/next",
            redirect_method="POST",
            redirect_fallback_url="https://fallback.example/next",
            redirect_fallback_method="POST",
            username="u",
            password="p",
            fallback_username="fu",
            fallback_password="fp",
            tag="redirected",
        ),
        Hangup(),
    )


# --- rendering -----------------------------------------------------------------------------------


def test_document_has_utf8_declaration_and_parses() -> None:
    xml = Response(SpeakSentence("Héllo ☎")).to_xml()
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(xml.encode())
    assert root.tag == "Response"
    assert root[0].text == "Héllo ☎"
    assert Response(SpeakSentence("Héllo ☎")).to_bytes() == xml.encode("utf-8")


def test_bxml_root_for_call_updates() -> None:
    root = ET.fromstring(Bxml(Hangup()).to_xml().encode())
    assert root.tag == "Bxml"
    assert [child.tag for child in root] == ["Hangup"]


def test_empty_response_renders() -> None:
    assert ET.fromstring(Response().to_xml().encode()).tag == "Response"


def test_speak_sentence_attributes() -> None:
    element = rendered(SpeakSentence("Hi", voice="julie", gender="female", locale="en_US"))
    assert element.tag == "SpeakSentence"
    assert element.attrib == {"voice": "julie", "gender": "female", "locale": "en_US"}
    assert element.text == "Hi"


def test_unset_attributes_are_omitted() -> None:
    assert rendered(SpeakSentence("Hi")).attrib == {}
    assert rendered(Record()).attrib == {}


def test_play_audio_attributes() -> None:
    element = rendered(PlayAudio("https://a.example/x.mp3", username="u", password="p"))
    assert element.attrib == {"username": "u", "password": "p"}
    assert element.text == "https://a.example/x.mp3"


def test_gather_attributes_and_children() -> None:
    element = rendered(
        Gather(
            [SpeakSentence("Press a digit.")],
            gather_url="/voice/gather",
            gather_method="POST",
            gather_fallback_url="/fb",
            username="u",
            password="p",
            tag="t",
            terminating_digits="#",
            max_digits=1,
            inter_digit_timeout=3,
            first_digit_timeout=10,
            repeat_count=2,
        )
    )
    assert element.attrib == {
        "gatherUrl": "/voice/gather",
        "gatherMethod": "POST",
        "gatherFallbackUrl": "/fb",
        "username": "u",
        "password": "p",
        "tag": "t",
        "terminatingDigits": "#",
        "maxDigits": "1",
        "interDigitTimeout": "3",
        "firstDigitTimeout": "10",
        "repeatCount": "2",
    }
    assert [(child.tag, child.text) for child in element] == [("SpeakSentence", "Press a digit.")]


def test_transfer_and_phone_number_attributes() -> None:
    element = rendered(
        Transfer(
            [
                PhoneNumber(
                    "+15552221234",
                    transfer_answer_url="/voice/whisper",
                    transfer_disconnect_url="/voice/gone",
                    username="u",
                    password="p",
                    tag="agent",
                    uui="abc",
                )
            ],
            transfer_caller_id="+15552221235",
            transfer_caller_display_name="Acme",
            call_timeout=20,
            transfer_complete_url="/voice/transfer-complete",
            transfer_complete_method="POST",
            username="u",
            password="p",
            tag="t",
            diversion_treatment="none",
            diversion_reason="unknown",
        )
    )
    assert element.attrib == {
        "transferCallerId": "+15552221235",
        "transferCallerDisplayName": "Acme",
        "callTimeout": "20",
        "transferCompleteUrl": "/voice/transfer-complete",
        "transferCompleteMethod": "POST",
        "username": "u",
        "password": "p",
        "tag": "t",
        "diversionTreatment": "none",
        "diversionReason": "unknown",
    }
    (number,) = element
    assert number.tag == "PhoneNumber"
    assert number.text == "+15552221234"
    assert number.attrib == {
        "transferAnswerUrl": "/voice/whisper",
        "transferDisconnectUrl": "/voice/gone",
        "username": "u",
        "password": "p",
        "tag": "agent",
        "uui": "abc",
    }


def test_record_attributes_and_booleans() -> None:
    element = rendered(
        Record(
            record_complete_url="/rc",
            recording_available_url="/ra",
            transcribe=True,
            transcription_available_url="/ta",
            username="u",
            password="p",
            tag="vm",
            terminating_digits="#",
            max_duration=120,
            silence_timeout=3,
            file_format="wav",
        )
    )
    assert element.attrib == {
        "recordCompleteUrl": "/rc",
        "recordingAvailableUrl": "/ra",
        "transcribe": "true",
        "transcriptionAvailableUrl": "/ta",
        "username": "u",
        "password": "p",
        "tag": "vm",
        "terminatingDigits": "#",
        "maxDuration": "120",
        "silenceTimeout": "3",
        "fileFormat": "wav",
    }


def test_start_recording_attributes() -> None:
    element = rendered(
        StartRecording(
            recording_available_url="/ra",
            transcribe=False,
            transcription_available_url="/ta",
            username="u",
            password="p",
            tag="t",
            file_format="mp3",
            multi_channel=True,
        )
    )
    assert element.attrib == {
        "recordingAvailableUrl": "/ra",
        "transcribe": "false",
        "transcriptionAvailableUrl": "/ta",
        "username": "u",
        "password": "p",
        "tag": "t",
        "fileFormat": "mp3",
        "multiChannel": "true",
    }


@pytest.mark.parametrize(
    ("verb", "tag"),
    [
        (StopRecording(), "StopRecording"),
        (PauseRecording(), "PauseRecording"),
        (ResumeRecording(), "ResumeRecording"),
        (Hangup(), "Hangup"),
    ],
)
def test_verbs_without_attributes(verb: object, tag: str) -> None:
    element = rendered(verb)
    assert element.tag == tag
    assert element.attrib == {}
    assert len(element) == 0
    assert element.text is None


def test_pause_ring_and_numbers() -> None:
    assert rendered(Pause(2)).attrib == {"duration": "2"}
    assert rendered(Pause(0.5)).attrib == {"duration": "0.5"}
    assert rendered(Ring(3, answer_call=False)).attrib == {"duration": "3", "answerCall": "false"}


def test_redirect_attributes() -> None:
    element = rendered(
        Redirect("/voice/next", redirect_method="GET", username="u", password="p", tag="t")
    )
    assert element.attrib == {
        "redirectUrl": "/voice/next",
        "redirectMethod": "GET",
        "username": "u",
        "password": "p",
        "tag": "t",
    }


def test_forward_renders_from_without_underscore() -> None:
    element = rendered(
        Forward(
            "+15553334444",
            from_="+15552220000",
            call_timeout=30,
            diversion_treatment="propagate",
            diversion_reason="away",
            uui="abc",
        )
    )
    assert element.attrib == {
        "to": "+15553334444",
        "from": "+15552220000",
        "callTimeout": "30",
        "diversionTreatment": "propagate",
        "diversionReason": "away",
        "uui": "abc",
    }


def test_send_dtmf_and_tag() -> None:
    dtmf = rendered(SendDtmf("123#", tone_duration=100, tone_interval=300))
    assert dtmf.text == "123#"
    assert dtmf.attrib == {"toneDuration": "100", "toneInterval": "300"}
    assert rendered(Tag("customer-42")).text == "customer-42"


# --- round trip ----------------------------------------------------------------------------------


def test_round_trip_of_a_document_using_every_verb() -> None:
    document = every_verb_document()
    parsed = parse_bxml(document.to_xml())
    assert isinstance(parsed, Response)
    assert parsed == document
    assert parsed.to_xml() == document.to_xml()


def test_round_trip_of_bxml_root() -> None:
    document = Bxml(SpeakSentence("Transferring you."), Redirect("/next"))
    parsed = parse_bxml(document.to_xml().encode())
    assert isinstance(parsed, Bxml)
    assert parsed == document
    assert parsed != Response(*document.verbs)


def test_parse_accepts_bandwidth_docs_layout() -> None:
    text = """<?xml version="1.0" encoding="UTF-8"?>
    <Response>
        <SpeakSentence voice="julie">Thanks for calling.</SpeakSentence>
        <Gather gatherUrl="/voice/gather" maxDigits="1" firstDigitTimeout="10" repeatCount="2">
            <SpeakSentence>Please press a digit.</SpeakSentence>
        </Gather>
        <Transfer transferCallerId="+15552221235" callTimeout="20">
            <PhoneNumber transferAnswerUrl="/voice/whisper">
                +15552221234
            </PhoneNumber>
        </Transfer>
    </Response>"""
    assert parse_bxml(text).verbs == [
        SpeakSentence("Thanks for calling.", voice="julie"),
        Gather(
            [SpeakSentence("Please press a digit.")],
            gather_url="/voice/gather",
            max_digits=1,
            first_digit_timeout=10,
            repeat_count=2,
        ),
        Transfer(
            [PhoneNumber("+15552221234", transfer_answer_url="/voice/whisper")],
            transfer_caller_id="+15552221235",
            call_timeout=20,
        ),
    ]


# --- hostile text --------------------------------------------------------------------------------

HOSTILE = [
    "</SpeakSentence><Hangup/><SpeakSentence>",
    'Tom & Jerry\'s "quote" <b>',
    "]]><Hangup/><![CDATA[",
    '"/><Hangup/><Tag x="',
    "line one\nline two\ttab",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_text(text: str) -> None:
    document = Response(
        SpeakSentence(text, voice=text),
        Tag(text[:256]),
        Gather([SpeakSentence(text)], tag=text, gather_url=text),
        Transfer([PhoneNumber("+15552221234", tag=text)], transfer_caller_display_name=text),
    )
    xml = document.to_xml()
    root = ET.fromstring(xml.encode())
    assert [child.tag for child in root] == ["SpeakSentence", "Tag", "Gather", "Transfer"]
    assert root.find("Hangup") is None
    assert not root.findall(".//Hangup")
    assert root[0].text == text
    assert root[0].get("voice") == text
    assert root[2].get("tag") == text
    assert root[2][0].text == text
    assert parse_bxml(xml) == document


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\ufffe"])
def test_characters_xml_cannot_carry_are_rejected(bad: str) -> None:
    with pytest.raises(BxmlError, match=r"<SpeakSentence> text contains characters"):
        SpeakSentence(f"hi{bad}")
    with pytest.raises(BxmlError, match=r"<Gather> tag contains characters"):
        Gather(tag=f"t{bad}")


# --- size limit ----------------------------------------------------------------------------------


def test_document_just_under_64_kb_renders() -> None:
    overhead = len(Response(SpeakSentence("a")).to_bytes()) - 1
    document = Response(SpeakSentence("a" * (MAX_BXML_BYTES - overhead)))
    assert len(document.to_bytes()) == MAX_BXML_BYTES


def test_document_over_64_kb_is_refused() -> None:
    overhead = len(Response(SpeakSentence("a")).to_bytes()) - 1
    document = Response(SpeakSentence("a" * (MAX_BXML_BYTES - overhead + 1)))
    with pytest.raises(BxmlTooLargeError, match="65537 bytes"):
        document.to_xml()


def test_size_limit_counts_encoded_bytes() -> None:
    fits = Response(*[SpeakSentence("☎" * 1000) for _ in range(21)])
    assert len(fits.to_bytes()) <= MAX_BXML_BYTES
    too_big = Response(*[SpeakSentence("☎" * 1000) for _ in range(22)])
    assert len(ET.tostring(too_big.to_element(), encoding="unicode")) < MAX_BXML_BYTES
    with pytest.raises(BxmlTooLargeError):
        too_big.to_xml()


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Gather(max_digits=0), r"<Gather> maxDigits must be between 1 and 50"),
        (lambda: Gather(max_digits=51), r"<Gather> maxDigits must be between 1 and 50"),
        (lambda: Gather(inter_digit_timeout=61), r"<Gather> interDigitTimeout"),
        (lambda: Gather(first_digit_timeout=-1), r"<Gather> firstDigitTimeout"),
        (
            lambda: Gather([Hangup()]),  # type: ignore[list-item]
            r"<Gather> children may only be SpeakSentence or PlayAudio",
        ),
        (lambda: Gather(gather_method="PUT"), r"<Gather> gatherMethod must be one of GET, POST"),
        (lambda: Gather(tag="x" * 257), r"<Gather> tag must be at most 256 characters"),
        (
            lambda: Gather(max_digits="5"),  # type: ignore[arg-type]
            r"<Gather> maxDigits must be int, got str",
        ),
        (lambda: Gather(max_digits=True), r"<Gather> maxDigits must be int, got bool"),
        (
            lambda: Transfer([], call_timeout=20),
            r"<Transfer> targets must hold 1 to 8 PhoneNumber, got 0",
        ),
        (
            lambda: Transfer([PhoneNumber(f"+1555222{n:04}") for n in range(9)]),
            r"<Transfer> targets must hold 1 to 8 PhoneNumber, got 9",
        ),
        (
            lambda: Transfer([PhoneNumber("+15552221234")], call_timeout=0),
            r"<Transfer> callTimeout must be between 1 and 300",
        ),
        (
            lambda: Transfer([PhoneNumber("+15552221234")], call_timeout=301),
            r"<Transfer> callTimeout must be between 1 and 300",
        ),
        (
            lambda: Transfer([SpeakSentence("hi")]),  # type: ignore[list-item]
            r"<Transfer> targets may only be PhoneNumber, got SpeakSentence",
        ),
        (
            lambda: Transfer([PhoneNumber("+15552221234")], diversion_treatment="forward"),
            r"<Transfer> diversionTreatment must be one of none, propagate, stack",
        ),
        (lambda: PhoneNumber(" "), r"<PhoneNumber> text must be a phone number"),
        (lambda: PhoneNumber("+1", tag="t" * 257), r"<PhoneNumber> tag must be at most 256"),
        (lambda: SendDtmf("1" * 51), r"<SendDtmf> text must be 1 to 50 digits, got 51"),
        (lambda: SendDtmf(""), r"<SendDtmf> text must be 1 to 50 digits, got 0"),
        (lambda: SendDtmf("12x"), r"<SendDtmf> text may only hold 0-9 \* # A-D w W"),
        (lambda: SendDtmf("1", tone_duration=10), r"<SendDtmf> toneDuration must be between"),
        (lambda: Tag("t" * 257), r"<Tag> text must be at most 256 characters"),
        (lambda: Pause(0.05), r"<Pause> duration must be between 0.1 and 86400"),
        (lambda: Pause(86401), r"<Pause> duration must be between 0.1 and 86400"),
        (lambda: Redirect(""), r"<Redirect> redirectUrl is required"),
        (lambda: Redirect(None), r"<Redirect> redirectUrl is required"),  # type: ignore[arg-type]
        (lambda: Forward("+1", call_timeout=400), r"<Forward> callTimeout must be between 1"),
        (lambda: Forward(""), r"<Forward> to is required"),
        (lambda: Record(max_duration=10801), r"<Record> maxDuration must be between 1 and 10800"),
        (lambda: Record(file_format="ogg"), r"<Record> fileFormat must be one of wav, mp3"),
        (
            lambda: Record(transcribe="yes"),  # type: ignore[arg-type]
            r"<Record> transcribe must be bool, got str",
        ),
        (lambda: StartRecording(file_format="flac"), r"<StartRecording> fileFormat must be one"),
        (lambda: SpeakSentence("hi", gender="robot"), r"<SpeakSentence> gender must be one of"),
        (lambda: PlayAudio(""), r"<PlayAudio> text must be an audio URL"),
        (lambda: Response(PhoneNumber("+15552221234")), r"<Response> cannot contain PhoneNumber"),
        (lambda: Bxml("<Hangup/>"), r"<Bxml> cannot contain str"),  # type: ignore[arg-type]
    ],
)
def test_validation_errors_name_verb_and_attribute(build: object, message: str) -> None:
    with pytest.raises(BxmlError, match=message):
        build()  # type: ignore[operator]


def test_limits_themselves_are_allowed() -> None:
    Gather(max_digits=1, first_digit_timeout=0)
    Gather(max_digits=50)
    Transfer([PhoneNumber(f"+1555222{n:04}") for n in range(8)], call_timeout=300)
    SendDtmf("0123456789*#ABCDabcdwW" + "1" * 28)
    Tag("t" * 256)
    Pause(0.1)
    Pause(86400)


def test_verbs_are_immutable_and_children_become_tuples() -> None:
    gather = Gather([SpeakSentence("hi")])
    assert gather.children == (SpeakSentence("hi"),)
    with pytest.raises(AttributeError):
        gather.max_digits = 3  # type: ignore[misc]


# --- parsing errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<Response><Dial>+1555</Dial></Response>", r"unknown BXML verb <Dial> in <Response>"),
        ("<Response><Gather><Hangup/></Gather></Response>", r"<Hangup> is not allowed in <Gather>"),
        ("<Response><PhoneNumber>+1</PhoneNumber></Response>", r"<PhoneNumber> is not allowed"),
        ("<Response><Gather maxDigits='many'/></Response>", r"<Gather> maxDigits must be a number"),
        ("<Response><Gather maxDigits='2.5'/></Response>", r"<Gather> maxDigits must be a whole"),
        ("<Response><Gather maxDigits='99'/></Response>", r"<Gather> maxDigits must be between"),
        ("<Response><Record transcribe='yes'/></Response>", r"<Record> transcribe must be true"),
        ("<Response><Hangup reason='x'/></Response>", r"<Hangup> has unknown attribute reason"),
        ("<Response><Redirect/></Response>", r"<Redirect> is missing a required attribute"),
        ("<Response><Hangup><Pause/></Hangup></Response>", r"<Hangup> cannot contain <Pause>"),
        ("<Speak>hi</Speak>", r"BXML root must be <Response> or <Bxml>, got <Speak>"),
        ("<Response><Hangup></Response>", r"BXML is not well-formed XML"),
        (
            '<!DOCTYPE r [<!ENTITY a "aaaa">]><Response><Tag>&a;</Tag></Response>',
            r"BXML contains forbidden XML",
        ),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(BxmlError, match=message):
        parse_bxml(text)
