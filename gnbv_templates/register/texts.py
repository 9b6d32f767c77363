"""What the register's commands say, in Vietnamese and in English."""

from __future__ import annotations

from typing import Any

_TEXTS: dict[str, tuple[str, str]] = {
    "added": ("{file}: {summary}", "{file}: {summary}"),
    "unreadable": ("{file}: không ghi vào sổ — {message}", "{file}: not recorded — {message}"),
    "nothing": ("Không có tệp biểu nào trong {path}.", "No workbook in {path}."),
    "list-head": ("Sổ {register}: {parent} {parent_name}, kỳ {period} — đã nhận {received}/{total} đơn vị",
                  "Register {register}: {parent} {parent_name}, period {period} — {received}/{total} units received"),
    "list-row": ("  {unit:<6} {name:<32} {status:<10} lần {version:<3} {when}  ({versions} lần gửi)",
                 "  {unit:<6} {name:<32} {status:<10} version {version:<3} {when}  ({versions} sent)"),
    "history-head": ("Sổ {register}: lịch sử gửi biểu của đơn vị {unit}",
                     "Register {register}: returns sent by {unit}"),
    "history-row": ("  {period:<8} lần {version:<3} {when}  {status:<10} {errors} lỗi, {warnings} cảnh báo  "
                    "{sha}…  (gửi với tên {name})",
                    "  {period:<8} version {version:<3} {when}  {status:<10} {errors} errors, {warnings} warnings  "
                    "{sha}…  (sent as {name})"),
    "history-none": ("  (chưa có biểu nào)", "  (nothing received)"),
    "deleted": ("Đã xóa khỏi sổ: {unit} kỳ {period} lần {version} ({sha}…); việc xóa đã ghi vào nhật ký.",
                "Deleted from the register: {unit} {period} version {version} ({sha}…); the deletion is logged."),
    "deleted-none": ("Không có biểu nào khớp để xóa.", "Nothing matched; nothing deleted."),
    "log-row": ("  {at}  {action:<9} {unit:<6} {period:<8} lần {version}  {sha}…  {detail}",
                "  {at}  {action:<9} {unit:<6} {period:<8} version {version}  {sha}…  {detail}"),
    "receipts-written": ("Biên nhận của sổ đăng ký: {path}", "Register receipts: {path}"),
    "status.ok": ("hợp lệ", "valid"),
    "status.errors": ("có lỗi", "has errors"),
    "status.missing": ("chưa nộp", "missing"),
    "previous-unreadable": ("Không dùng được biểu kỳ trước {file}: {message}",
                            "Cannot use the earlier return {file}: {message}"),
    "previous-other-unit": ("Biểu kỳ trước {file} là của đơn vị {found}, không phải {expected}.",
                            "The earlier return {file} is from unit {found}, not {expected}."),
}


def say(key: str, lang: str = "vi", **params: Any) -> str:
    vi, en = _TEXTS[key]
    return (en if lang == "en" else vi).format(**params)
