"""The words of the web pages, in Vietnamese and in English."""

from __future__ import annotations

from gnbv_templates.findings import text as program_text

LANGS = ("vi", "en")

_TEXT: dict[str, tuple[str, str]] = {
    "app": ("Biểu mẫu giảm nghèo bền vững", "Sustainable poverty reduction forms"),
    "nav.validate": ("Kiểm tra", "Validate"),
    "nav.consolidate": ("Tổng hợp", "Consolidate"),
    "nav.generate": ("Sinh biểu", "Generate"),
    "nav.api": ("API", "API"),
    "switch": ("English", "Tiếng Việt"),
    "local_only": ("Chỉ máy này truy cập được (127.0.0.1).", "Only this computer can reach this page (127.0.0.1)."),
    "shared": ("Trang đang mở cho máy khác trong mạng, có mã truy cập.",
               "This page is open to other computers on the network, behind an access code."),
    # Kiểm tra
    "validate.title": ("Kiểm tra biểu đơn vị gửi lên", "Validate returned workbooks"),
    "validate.lead": ("Chọn một hoặc nhiều tệp biểu (.xlsx) hoặc một tệp .zip chứa các biểu. Chương trình kiểm tra "
                      "từng tệp, liệt kê lỗi và cho tải bản sao đã đánh dấu lỗi.",
                      "Choose one or more returned workbooks (.xlsx) or a .zip of them. Each file is checked; "
                      "you get its findings and an annotated copy to download."),
    "drop": ("Kéo thả tệp vào đây hoặc bấm để chọn tệp", "Drop files here or click to choose"),
    "limits": ("Tối đa {files} biểu, mỗi tệp tối đa {mb} MB.", "At most {files} workbooks, {mb} MB each."),
    "validate.submit": ("Kiểm tra", "Validate"),
    "sample.validate": ("Chưa có biểu? Thử với biểu có lỗi đi kèm chương trình (dữ liệu mẫu):",
                        "No return at hand? Try the faulty return that comes with the program (sample data):"),
    "sample.consolidate": ("Chưa có biểu? Thử tổng hợp {count} biểu của các huyện đi kèm chương trình ({scope}, "
                           "dữ liệu mẫu).", "No returns at hand? Try the {count} district returns that come with the "
                           "program ({scope}, sample data)."),
    "sample.button": ("Thử với dữ liệu mẫu", "Try the sample data"),
    "running": ("Đang xử lý {done}/{total} tệp…", "Working: {done}/{total} files…"),
    "running.wait": ("Trang tự cập nhật khi xong.", "This page updates itself when done."),
    "result.title": ("Kết quả kiểm tra", "Validation result"),
    "file": ("Tệp", "File"),
    "unit": ("Đơn vị", "Unit"),
    "period": ("Kỳ báo cáo", "Period"),
    "status": ("Tình trạng", "Status"),
    "errors": ("Lỗi", "Errors"),
    "warnings": ("Cảnh báo", "Warnings"),
    "downloads": ("Tải về", "Download"),
    "annotated": ("Bản sao đánh dấu lỗi", "Annotated copy"),
    "json": ("JSON", "JSON"),
    "all_zip": ("Tải tất cả (.zip)", "Download all (.zip)"),
    "status.valid": ("Hợp lệ", "Valid"),
    "status.errors": ("Có lỗi", "Has errors"),
    "status.unreadable": ("Không đọc được", "Unreadable"),
    "findings": ("Các phát hiện", "Findings"),
    "no_findings": ("Không có lỗi hay cảnh báo nào.", "No errors or warnings."),
    "severity": ("Mức độ", "Severity"),
    "form": ("Biểu", "Form"),
    "cell": ("Ô", "Cell"),
    "message": ("Nội dung", "Message"),
    "basis": ("Căn cứ", "Basis"),
    "skipped": ("Bỏ qua (không phải biểu):", "Skipped (not workbooks):"),
    "again": ("Kiểm tra tệp khác", "Validate other files"),
    # Tổng hợp
    "consolidate.title": ("Tổng hợp biểu của các đơn vị cấp dưới", "Consolidate the returns of the units below"),
    "consolidate.lead": ("Chọn đơn vị cấp trên và kỳ báo cáo, rồi gửi các biểu của đơn vị cấp dưới (hoặc một tệp "
                         ".zip). Chương trình cho biết đơn vị nào chưa nộp, nộp trùng, nộp sai kỳ, và cộng các biểu "
                         "hợp lệ thành biểu của cấp trên, kèm trang nguồn số liệu.",
                         "Choose the parent unit and period, then send the children's returns (or a .zip). You see "
                         "who has not returned, duplicates and other periods; valid returns are added up into the "
                         "parent's return, with a provenance sheet."),
    "parent": ("Đơn vị cấp trên", "Parent unit"),
    "consolidate.submit": ("Tổng hợp", "Consolidate"),
    "completeness": ("Tình hình nộp biểu", "Who has returned"),
    "missing": ("Chưa nộp", "Not returned"),
    "duplicates": ("Nộp nhiều bản", "Sent more than once"),
    "other_period": ("Khác kỳ báo cáo", "Other period"),
    "other_parent": ("Không thuộc đơn vị này", "Not under this unit"),
    "unreadable": ("Không đọc được", "Unreadable"),
    "used": ("dùng", "used"),
    "not_used": ("không dùng", "not used"),
    "included": ("Đã tổng hợp {n} biểu.", "{n} returns added up."),
    "excluded": ("Không tổng hợp", "Left out"),
    "consolidated": ("Tải biểu tổng hợp (.xlsx)", "Download the consolidated return (.xlsx)"),
    "none": ("Không có.", "None."),
    # Sinh biểu
    "generate.title": ("Sinh bộ biểu mẫu", "Generate a pack of forms"),
    "generate.lead": ("Chọn đơn vị, kỳ báo cáo và các biểu cần sinh. Bộ biểu là một tệp .xlsx, mỗi biểu một trang, "
                      "đầu biểu đã điền tên đơn vị và kỳ báo cáo.",
                      "Choose the unit, period and forms. A pack is one .xlsx with a sheet per form, its header "
                      "filled with the unit and period."),
    "forms": ("Các biểu", "Forms"),
    "all_forms": ("Tất cả", "All"),
    "generate.one": ("Tải bộ biểu của đơn vị này", "Download this unit's pack"),
    "generate.children": ("Tải bộ biểu của mọi đơn vị cấp dưới (.zip)", "Download the packs of all units below (.zip)"),
    "sample_units": ("Danh sách đơn vị là dữ liệu mẫu.", "The unit list is sample data."),
    "period.year": ("Năm {y}", "Year {y}"),
    "period.half": ("6 tháng đầu năm {y}", "First half of {y}"),
    # errors, access
    "error.title": ("Không thực hiện được", "Could not be done"),
    "error.back": ("Quay lại", "Back"),
    "error.not_found": ("Không có trang này (hoặc kết quả đã hết hạn và bị xóa).",
                        "No such page (or the result has expired and was removed)."),
    "error.method": ("Trang này không nhận yêu cầu kiểu đó.", "This page does not take that kind of request."),
    "error.bad_form": ("Dữ liệu gửi lên không đọc được; hãy chọn lại tệp và gửi lại.",
                       "The form data could not be read; choose the files again and resend."),
    "error.too_large": ("Dữ liệu gửi lên quá lớn (tối đa {mb} MB mỗi lần).",
                        "The upload is too large (at most {mb} MB)."),
    "error.no_files": ("Chưa chọn tệp nào.", "No file was chosen."),
    "error.unexpected": ("Có lỗi bất ngờ khi xử lý yêu cầu; hãy thử lại.",
                         "Something unexpected failed while handling the request; please try again."),
    "error.origin": ("Yêu cầu đến từ một trang khác nên bị từ chối.", "A request from another site was refused."),
    "error.busy": ("Một công việc khác đang chạy; hãy chờ một lát rồi thử lại.",
                   "Another job is running; wait a moment and try again."),
    "login.title": ("Cần mã truy cập", "Access code needed"),
    "login.lead": ("Trang này mở cho máy khác trong mạng nên cần mã truy cập. Mã được in ra ở cửa sổ đã chạy "
                   "lệnh gnbv serve.", "This page is open to the network, so it needs the access code printed by "
                   "the gnbv serve command."),
    "login.code": ("Mã truy cập", "Access code"),
    "login.submit": ("Vào", "Enter"),
    "login.wrong": ("Mã truy cập không đúng.", "Wrong access code."),
    "api.title": ("API JSON", "JSON API"),
    "api.lead": ("Cùng các việc của trang, cho cổng thông tin hay chương trình khác gọi. Lỗi trả về "
                 "{\"error\": \"một câu\"}; thêm ?lang=en để nhận lời nhắn tiếng Anh.",
                 "The page's work, for portals and other programs. Errors come back as {\"error\": \"one "
                 "sentence\"}; add ?lang=en for English messages."),
    "api.sends": ("Gửi", "Send"),
    "api.returns": ("Nhận", "Returns"),
    "api./api/validate": ("Kiểm tra biểu", "Validate returned workbooks"),
    "api./api/validate.sends": ("multipart/form-data: một hay nhiều files (.xlsx, .xlsm, .ods, .xls hoặc một .zip).",
                                "multipart/form-data: one or more files (.xlsx, .xlsm, .ods, .xls or a .zip)."),
    "api./api/validate.returns": ("với mỗi tệp: đơn vị, kỳ, tình trạng (valid, errors, unreadable), số lỗi, các "
                                  "phát hiện, đường tải bản sao đánh dấu lỗi và JSON; đường tải tất cả (.zip).",
                                  "per file: unit, period, status (valid, errors, unreadable), counts, findings, "
                                  "links to the annotated copy and the JSON; a link to all of them (.zip)."),
    "api./api/consolidate": ("Tổng hợp", "Consolidate"),
    "api./api/consolidate.sends": ("multipart/form-data: unit (mã đơn vị cấp trên), period (2025 hoặc 2025-H1), "
                                   "các files của đơn vị cấp dưới.",
                                   "multipart/form-data: unit (the parent's code), period (2025 or 2025-H1), the "
                                   "children's files."),
    "api./api/consolidate.returns": ("đơn vị chưa nộp, nộp nhiều bản, khác kỳ, không đọc được, biểu đã tổng hợp và "
                                     "không tổng hợp (lý do), đường tải biểu tổng hợp.",
                                     "who has not returned, duplicates, other periods, unreadable files, what was "
                                     "added up or left out (why), a link to the consolidated return."),
    "api./api/generate": ("Sinh biểu", "Generate a pack"),
    "api./api/generate.sends": ("JSON (hoặc form): unit, period, forms (tùy chọn, ví dụ [\"B01\", \"B02\"]), "
                                "action = \"children\" để sinh cho mọi đơn vị cấp dưới.",
                                "JSON (or form): unit, period, forms (optional, e.g. [\"B01\", \"B02\"]), "
                                "action = \"children\" for every unit below."),
    "api./api/generate.returns": ("tệp .xlsx (hoặc .zip).", "the .xlsx (or a .zip)."),
    "api./api/jobs/{job}": ("Tiến độ một việc", "A job's progress"),
    "api./api/jobs/{job}.sends": ("", ""),
    "api./api/jobs/{job}.returns": ("state (running, done, failed), done, total.",
                                    "state (running, done, failed), done, total."),
}


def text(key: str, lang: str, **params: object) -> str:
    """A page's text; what every output says alike (the severities, ...) comes from the program's tables."""
    if key not in _TEXT:
        try:
            return program_text(key, lang, **params)
        except KeyError:
            return key
    vi, en = _TEXT[key]
    chosen = en if lang == "en" else vi
    return chosen.format(**params) if params else chosen
