"""Transcripts in the formats peer researchers get back: typed notes, Word, Teams/Zoom captions."""

from __future__ import annotations

import pytest

from toolkit.errors import UserError
from toolkit.ingest.transcripts import Turn, filename_regex, read_transcript
from toolkit.study.validate import speaker_role


def test_text_transcript_with_timestamps_and_continuation_lines(tmp_path):
    path = tmp_path / "A1_baseline.txt"
    path.write_text(
        "Interview with Jo, 3 May\r\n\r\n"
        "[00:00:05] Interviewer: How did you hear about it?\r\n"
        "[00:00:09] PARTICIPANT: My aunt told me.\r\n"
        "Then she said: go and see them.\r\n",
        encoding="cp1252",
    )
    turns = read_transcript(path, {"Interviewer", "Participant"})
    assert turns == [
        Turn("Interviewer", "How did you hear about it?"),
        Turn("PARTICIPANT", "My aunt told me.\nThen she said: go and see them."),
    ]


def test_word_transcript_paragraphs_and_speaker_tables(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Transcript 12")
    document.add_paragraph("Interviewer: What changed?")
    document.add_paragraph("Participant: I got the job.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Interviewer"
    table.rows[0].cells[1].text = "Well done."
    document.save(tmp_path / "A1_baseline.docx")
    assert read_transcript(tmp_path / "A1_baseline.docx") == [
        Turn("Interviewer", "What changed?"),
        Turn("Participant", "I got the job."),
        Turn("Interviewer", "Well done."),
    ]


def test_vtt_voice_tags_and_consecutive_captions_are_joined(tmp_path):
    path = tmp_path / "A1_baseline.vtt"
    path.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Interviewer>Hello.\n\n"
        "00:00:03.000 --> 00:00:05.000\n<v Participant>Hi.\n\n"
        "00:00:05.000 --> 00:00:07.000\n<v Participant>It was hard.\n",
        encoding="utf-8",
    )
    assert read_transcript(path) == [
        Turn("Interviewer", "Hello."),
        Turn("Participant", "Hi. It was hard."),
    ]


def test_srt_with_labels_in_the_caption_text(tmp_path):
    path = tmp_path / "A1_baseline.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nPR: How are you?\n\n"
        "2\n00:00:04,000 --> 00:00:06,000\nParticipant: Fine.\n\n"
        "3\n00:00:06,000 --> 00:00:08,000\nBetter than before.\n",
        encoding="utf-8",
    )
    assert read_transcript(path) == [
        Turn("PR", "How are you?"),
        Turn("Participant", "Fine. Better than before."),
    ]


@pytest.mark.parametrize(
    "content",
    ["We talked about work and she said: it was fine.\n", "   \n\n"],
    ids=["prose", "blank"],
)
def test_a_transcript_without_speaker_turns_is_an_error(tmp_path, content):
    path = tmp_path / "A1_baseline.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError) as error:
        read_transcript(path)
    assert error.value.lines == [
        f"{path}: no speaker turns found, expected lines starting with a speaker label, e.g. "
        "'Interviewer: ...' and 'Participant: ...'"
    ]


def test_a_corrupt_word_file_is_reported(tmp_path):
    (tmp_path / "A1_baseline.docx").write_bytes(b"not a zip")
    with pytest.raises(UserError, match="the Word file cannot be opened"):
        read_transcript(tmp_path / "A1_baseline.docx")


def test_file_names_split_into_reference_and_wave_with_underscores():
    rx = filename_regex("interview-{participant_ref}-{wave}", ["baseline", "followup_6m"])
    assert rx.fullmatch("interview-CL_0042-followup_6m").groupdict() == {
        "participant_ref": "CL_0042",
        "wave": "followup_6m",
    }
    assert rx.fullmatch("interview-CL_0042-month3") is None


def test_speaker_names_become_roles():
    speakers = {"Interviewer": "interviewer", "Participant": "participant", "Note": "other"}
    staff = ["Harriet Cole"]
    own = ["Tomasz", "Nowak"]
    assert speaker_role("INTERVIEWER", speakers, staff, own) == "interviewer"
    assert speaker_role("note", speakers, staff, own) == "other"
    assert speaker_role("Harriet", speakers, staff, own) == "interviewer"
    assert speaker_role("Harriet Cole", speakers, staff, own) == "interviewer"
    assert speaker_role("Tomasz Nowak", speakers, staff, own) == "participant"
    assert speaker_role("Bola", speakers, staff, own) is None  # another participant's name
