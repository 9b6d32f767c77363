"""Vietnamese wording: one message per finding code, and the other texts people read."""

from __future__ import annotations

FINDINGS: dict[str, str] = {
    # structure and identity
    "structure.meta-missing": "Không có trang siêu dữ liệu; đã nhận biết biểu qua dòng định danh trên từng trang.",
    "structure.meta-altered": "Trang siêu dữ liệu đã bị sửa (mã kiểm tra không khớp).",
    "structure.meta-disagrees": "Siêu dữ liệu không khớp với các trang: trang {sheet} là {form} nhưng siêu dữ liệu "
                                "không ghi như vậy; trang này vẫn được kiểm tra đầy đủ.",
    "structure.unidentified": "Không nhận biết được tệp là biểu mẫu GNBV nào (không có siêu dữ liệu, không có dòng "
                              "định danh).",
    "structure.catalog-version": "Tệp được sinh theo danh mục phiên bản {found}; cần danh mục phiên bản đó để kiểm "
                                 "tra (hiện có {expected}).",
    "structure.catalog-older": "Tệp được sinh theo danh mục phiên bản {found}: đã kiểm tra theo đúng định nghĩa "
                               "biểu và luật của phiên bản đó (danh mục hiện hành: {expected}).",
    "form.empty": "Biểu {form} chưa điền số liệu nào: không kiểm tra biểu này và các đối chiếu với nó.",
    "form.required-missing": "Biểu {form} còn {count} ô bắt buộc chưa điền (ô đầu tiên: dòng {row}, cột {col}).",
    "form.required-empty": "Biểu {form} chưa điền số liệu nào, kể cả {count} ô bắt buộc.",
    "structure.sheet-missing": "Thiếu trang {sheet} ({form}): trang đã bị xóa hoặc đổi tên.",
    "structure.sheet-renamed": "Trang của {form} đã bị đổi tên thành {found} (tên đúng: {expected}).",
    "structure.sheet-order": "Thứ tự các trang đã bị thay đổi.",
    "structure.form-changed": "Biểu {form} được phát hành theo định nghĩa khác với danh mục đang dùng (cùng phiên bản "
                              "{version}, mã cấu trúc {found} thay vì {expected}): cần đúng bộ định nghĩa đã dùng "
                              "khi phát hành để kiểm tra.",
    "structure.identity-mismatch": "Dòng định danh của trang không khớp với biểu đã phát hành ({found}).",
    "structure.row-missing": "Dòng mã {row} ({label}) không còn trong biểu: đã bị xóa hoặc sửa mã số.",
    "structure.row-moved": "Dòng mã {row} đã bị chuyển từ dòng {expected} sang dòng {found} (có dòng bị chèn, xóa "
                           "hoặc di chuyển).",
    "structure.row-extra": "Có dòng lạ được chèn vào bảng tại dòng {found}.",
    "structure.column-missing": "Cột mã {col} không còn trong biểu: đã bị xóa hoặc sửa số thứ tự cột.",
    "structure.column-moved": "Cột mã {col} đã bị chuyển từ cột {expected} sang cột {found} (có cột bị chèn, xóa "
                              "hoặc di chuyển).",
    "identity.unit": "Đơn vị báo cáo là {found}, nhưng biểu được phát hành cho {expected}.",
    "identity.period": "Kỳ báo cáo là {found}, nhưng biểu được phát hành cho kỳ {expected}.",
    "identity.header": "Đầu biểu đã bị sửa: đang ghi {found!r}, đúng phải là {expected!r}.",
    "identity.unsigned": "Tệp không có chữ ký của cơ quan phát hành: không chứng minh được đây là bộ biểu đã phát "
                         "hành (có thể siêu dữ liệu đã bị thay).",
    "identity.signature-invalid": "Chữ ký của cơ quan phát hành không khớp: siêu dữ liệu (danh sách biểu, đơn vị, kỳ) "
                                  "đã bị sửa sau khi phát hành, hoặc bộ biểu do nơi khác phát hành.",
    # values of input cells
    "value.not-a-number": "Ô này phải là số ({measure}) nhưng đang ghi {found!r}.",
    "value.text-number": "Số được nhập dưới dạng chữ ({found!r}); đã đọc là {expected}. Nên nhập lại dạng số.",
    "value.ambiguous-number": "Không rõ {found!r} là số thập phân hay có dấu phân cách hàng nghìn; đã đọc là "
                              "{expected}. Hãy kiểm tra.",
    "value.placeholder": "Ô ghi {found!r} thay cho số; đã coi là ô trống. Nếu không có số liệu, hãy để trống hoặc "
                         "ghi 0.",
    "value.excel-error": "Ô có lỗi công thức Excel {found}.",
    "value.date": "Ô đang có định dạng ngày tháng ({found}); phải là số ({measure}).",
    "value.formula-no-value": "Ô nhập liệu chứa công thức {found} nhưng tệp không lưu kết quả tính nên không đọc được "
                              "số liệu. Hãy nhập số trực tiếp, hoặc mở tệp bằng Excel hay LibreOffice rồi lưu lại.",
    "value.formula-in-input": "Ô nhập liệu chứa công thức; đã dùng giá trị tính lại của công thức đó ({expected}).",
    "value.formula-unsafe": "Ô nhập liệu chứa công thức {found} gọi ra ngoài bảng tính (DDE, tệp khác, liên kết hoặc "
                            "hàm không dùng trong biểu mẫu): hãy nhập số trực tiếp. Bản sao kiểm tra không giữ "
                            "công thức này.",
    "value.negative": "Giá trị {found} âm; số liệu (đơn vị tính: {measure}) phải lớn hơn hoặc bằng 0.",
    "value.not-integer": "Giá trị {found} phải là số nguyên (đơn vị tính: {measure}).",
    "value.out-of-range": "Giá trị {found} nằm ngoài khoảng cho phép {expected}.",
    "value.not-allowed": "Giá trị {found!r} không thuộc danh sách cho phép: {expected}.",
    "value.required": "Chưa điền ô bắt buộc này.",
    # derived cells
    "derived.overwritten-same": "Ô tính đã bị ghi đè bằng số (giá trị hiện khớp: {found}). Hãy khôi phục công thức "
                                "để tránh sai khi sửa số liệu.",
    "derived.sum-mismatch": "Tổng {found} không bằng tổng các thành phần {expected} ({declaration}).{hint}",
    "derived.ratio-mismatch": "Tỷ lệ {found}% không khớp với tử số và mẫu số: phải là {expected}% "
                              "({declaration}).{hint}",
    "derived.formula-mismatch": "Giá trị {found} không khớp với công thức {declaration}: phải là {expected}.{hint}",
    "derived.parts-exceed-total": "Tổng ghi {found} nhỏ hơn các thành phần đã ghi cộng lại ({expected}, chưa kể "
                                  "thành phần còn trống) ({declaration}).",
    "derived.stated-total": "Ô tổng ghi số {found} thay cho công thức ({declaration}) khi chưa đủ số liệu thành phần: "
                            "số này được dùng như báo cáo ghi để kiểm tra và tổng hợp.",
    "derived.formula-altered": "Công thức của ô đã bị sửa thành {found}; công thức đúng là {expected}.",
    # relations between cells
    "relation.part-exceeds-whole": "Phần \"trong đó\" ({found}) lớn hơn tổng của nó ở dòng {whole} ({expected}).",
    # the file itself
    "file.macros": "Tệp có macro (VBA): macro không được chạy và không được giữ lại trong bản sao kiểm tra.",
    "file.formula-removed": "Ô {kind} chứa công thức {found}: bản sao kiểm tra chỉ giữ giá trị tệp đã lưu "
                            "({expected}), không giữ công thức.",
    "file.external-links": "Tệp có liên kết tới {found} tệp khác: liên kết không được mở; số liệu lấy từ tệp khác có "
                           "thể đã cũ. Bản sao kiểm tra không giữ liên kết.",
    # rules: the rule's own message (rules/*.yaml) is used; this is the fallback
    "rule.failed": "Không đạt luật {rule}: {found} so với {expected}.",
    "rule.not-enough-figures": "Không đủ số liệu để kiểm tra luật {rule} ({count} chỗ có ô trống, "
                               "ví dụ dòng {row} cột {col}).",
    "rule.not-evaluated": "Không kiểm tra được luật {rule}: {reason}.",
    # across periods: {what} names the figure, {earlier_period} the return compared with, {basis} the rule's basis
    "period.stock-flow": "{label} — {what} đầu kỳ là {found}, nhưng theo biểu kỳ {earlier_period} phải là "
                         "{expected} ({basis}).",
    "period.decreased": "{label} — {what} là {found}, nhỏ hơn số đã báo cáo kỳ {earlier_period} ({expected}): "
                        "số lũy kế không giảm ({basis}).",
    "period.plan-changed": "{label} — {what} là {found}, khác kế hoạch đã báo cáo kỳ {earlier_period} ({expected}), "
                           "mà cột ghi chú không nói đã điều chỉnh kế hoạch ({basis}).",
    "period.jump": "{label} — {what} là {found}, thay đổi hơn {factor} lần so với kỳ {earlier_period} ({expected}): "
                   "hãy kiểm tra lại số liệu.",
    "period.outlier": "{label} — {what} là {found}, khác xa {units} đơn vị cùng cấp (phương pháp {method}, giá trị "
                      "thường gặp {expected}): hãy kiểm tra lại số liệu.",
    # the program's fault
    "internal.check-failed": "Lỗi của chương trình ở bước kiểm tra {check} ({error}): bước này không chạy hết, các "
                             "bước khác vẫn chạy. Đây không phải lỗi của tệp; hãy báo cho người quản lý chương trình.",
}

TEXTS: dict[str, str] = {
    # pieces of finding messages
    "hint.formula-gone": " Công thức của ô đã bị xóa hoặc ghi đè bằng số: hãy khôi phục công thức.",
    "reason.missing-cell": "thiếu ô được tham chiếu",
    "cell-kind.input": "nhập liệu",
    "cell-kind.derived": "tính toán",
    "cell-kind.other": "ngoài biểu mẫu",
    # severities
    "severity.error": "Lỗi",
    "severity.warning": "Cảnh báo",
    "severity.info": "Thông tin",
    # statuses of a file in a folder run
    "status.valid": "hợp lệ",
    "status.has-errors": "có lỗi",
    "status.unreadable": "không đọc được",
    "status.missing": "chưa nộp",
    "status.program-error": "lỗi chương trình",
    # folder runs
    "batch.cannot-open": "Không mở được tệp: {reason}",
    "batch.program-error": "Lỗi của chương trình khi kiểm tra tệp này ({error}); tệp chưa được kiểm tra xong và có "
                           "thể không có lỗi. Hãy báo cho người quản lý chương trình.",
    "batch.annotate-failed": "Không ghi được bản sao đánh dấu ({error}).",
    # the command line
    "cli.error": "Lỗi: {message}",
    "cli.definition-error": "Lỗi định nghĩa biểu mẫu:",
    "cli.internal-error": "Lỗi nội bộ ({error}): {detail}. Đặt GNBV_DEBUG=1 để xem chi tiết.",
    "cli.stopped": "Đã dừng.",
    "cli.bad-command": "Lệnh không hợp lệ: {message} (xem gnbv --help).",
    "cli.validated": "{file}: {unit} {unit_name} · {period} · {errors} lỗi, {warnings} cảnh báo",
    "cli.more-findings": "… và {count} phát hiện khác",
    "cli.json-written": "Báo cáo JSON: {path}",
    "cli.annotated-written": "Bản sao có đánh dấu lỗi: {path}",
    "cli.folder-row": "{unit:>6} {unit_name:<32} {status:<15} {errors:>4} lỗi {warnings:>4} cảnh báo",
    "cli.folder-scope": "Đơn vị cấp trên {parent} {parent_name}, kỳ {period}: {chosen} đã nộp, {missing} chưa nộp",
    "cli.folder-written": "Tổng hợp: {xlsx} và {json}",
    # the error sheet of an annotated copy
    "annotate.title": "KẾT QUẢ KIỂM TRA — {file}",
    "annotate.unit": "Đơn vị: {unit} {unit_name}",
    "annotate.period": "Kỳ báo cáo: {period}",
    "annotate.counts": "Số lỗi: {errors} · Số cảnh báo: {warnings}",
    "annotate.help": "Bấm vào địa chỉ ô ở cột D để đến ô có lỗi; ô lỗi tô đỏ, ô cảnh báo tô vàng, có ghi chú. "
                     "“Giá trị đúng” ghi số ô phải có, hoặc giới hạn ô phải giữ (≤, ≥); để trống khi không có.",
    "annotate.hashes": "Ô hiện ### là do cột hẹp hơn con số: kéo rộng cột (hoặc bấm đúp vào mép phải tên cột) "
                       "để thấy số; số liệu không mất.",
    "annotate.heading": "STT|Mức độ|Biểu|Ô|Chỉ tiêu (mã dòng)|Giá trị|Giá trị đúng|Nội dung|Loại lỗi, căn cứ|Mã",
    # kinds of finding, by the family of their code
    "kind.structure": "Cấu trúc biểu",
    "kind.identity": "Đơn vị, kỳ báo cáo",
    "kind.value": "Giá trị nhập",
    "kind.derived": "Ô tính (công thức)",
    "kind.relation": "Quan hệ giữa các dòng",
    "kind.rule": "Luật kiểm tra",
    "kind.period": "So với kỳ trước",
    "kind.file": "Tệp",
    "kind.internal": "Lỗi chương trình",
}
