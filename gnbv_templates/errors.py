"""One exception hierarchy; each kind of failure has its own exit code.

The CLI turns any of these into a one-line Vietnamese message; nothing else
should escape to the user as a traceback.
"""

from __future__ import annotations

import errno


class GnbvError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, english: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.english = english or message


class DefinitionError(GnbvError, ValueError):
    """A form, rule, units or settings file is wrong; names file and line."""

    exit_code = 3

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class UsageError(GnbvError, ValueError):
    """Bad command-line arguments or API arguments (unknown unit, period…)."""

    exit_code = 4


class FillError(GnbvError, ValueError):
    """Data given to `fill` addresses an unknown or derived cell."""

    exit_code = 5


class UnreadableFile(GnbvError, ValueError):
    """A workbook that cannot be used: corrupt, foreign, hostile, too big."""

    exit_code = 2

    def __init__(self, message: str, *, reason: str, english: str | None = None) -> None:
        super().__init__(message, english=english)
        self.reason = reason


class OutputError(GnbvError, OSError):
    """An output path that cannot be written (or would overwrite an input)."""

    exit_code = 6


# What the operating system says, in the user's language: strerror is English (or the C locale's)
_OS_ERRORS = {
    errno.EACCES: ("không có quyền truy cập", "permission denied"),
    errno.EPERM: ("không được phép", "operation not permitted"),
    errno.ENOENT: ("không tìm thấy (đã bị xóa hoặc chuyển đi)", "not found (deleted or moved)"),
    errno.EISDIR: ("là thư mục", "is a directory"),
    errno.ENOTDIR: ("đường dẫn không phải thư mục", "not a directory"),
    errno.ELOOP: ("liên kết vòng", "too many levels of links"),
    errno.ENAMETOOLONG: ("tên quá dài", "name too long"),
    errno.EIO: ("lỗi đọc ổ đĩa", "input/output error"),
    errno.ENOSPC: ("ổ đĩa đã đầy", "no space left on the disk"),
    errno.EROFS: ("ổ đĩa chỉ cho đọc", "read-only file system"),
    errno.EMFILE: ("mở quá nhiều tệp cùng lúc", "too many open files"),
    errno.ENFILE: ("mở quá nhiều tệp cùng lúc", "too many open files"),
    errno.EBUSY: ("tệp đang bị chương trình khác dùng", "busy"),
    errno.ETXTBSY: ("tệp đang bị chương trình khác dùng", "busy"),
    errno.EAGAIN: ("tệp tạm thời không đọc được", "temporarily unavailable"),
    errno.ENXIO: ("thiết bị không có", "no such device"),
    errno.ENODEV: ("thiết bị không có", "no such device"),
    errno.EINVAL: ("không đọc được theo cách này", "invalid argument"),
}


def os_error_text(exc: OSError, lang: str = "vi") -> str:
    """An OS error as a person reads it, in Vietnamese (or English), never the system's English text."""
    known = _OS_ERRORS.get(exc.errno or -1)
    if known is not None:
        return known[1] if lang == "en" else known[0]
    code = errno.errorcode.get(exc.errno or -1, type(exc).__name__)
    return f"lỗi hệ thống {code}" if lang != "en" else f"system error {code}"
