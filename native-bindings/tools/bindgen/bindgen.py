#!/usr/bin/python3
"""
bindgen.py: the project's own binding generator. It reads a C header with libclang
(python3-clang) and writes Java FFM bindings in the shape jextract 22 generates
(a header class with a holder class per function, typedef layout constants,
enum/macro constants as static getters, struct classes, function-pointer classes).

The command line follows jextract's:

    bindgen.py --output DIR -t PACKAGE --header-class-name NAME \
               [--include-function NAME ...] [--include-typedef NAME ...] ... \
               [--include-prefix PREFIX ...] [--include-used-typedefs] HEADER

--include-prefix and --include-used-typedefs are bindgen's own additions (jextract only
has exact names); --dump-includes writes the include options that select exactly the
declarations emitted, in jextract's argfile form, so jextract can be run equivalently.

Output is deterministic: declarations are emitted in translation-unit order, no
timestamps or paths are written into the generated files.
"""

import ctypes
import os
import re
import shlex
import sys
import textwrap

LIBCLANG_CANDIDATES = [
    "/usr/lib/x86_64-linux-gnu/libclang-14.so.1",
    "/usr/lib/aarch64-linux-gnu/libclang-14.so.1",
    "/usr/lib/llvm-14/lib/libclang.so.1",
]

DECLS_PER_HEADER_CLASS = 1000

JAVA_KEYWORDS = {
    "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class",
    "const", "continue", "default", "do", "double", "else", "enum", "extends", "final",
    "finally", "float", "for", "goto", "if", "implements", "import", "instanceof", "int",
    "interface", "long", "native", "new", "package", "private", "protected", "public",
    "return", "short", "static", "strictfp", "super", "switch", "synchronized", "this",
    "throw", "throws", "transient", "try", "void", "volatile", "while", "true", "false",
    "null", "_",
}


class BindgenError(Exception):
    pass


WARNINGS = []


def warn(msg):
    WARNINGS.append(msg)
    sys.stderr.write("WARNING: %s\n" % msg)


# --------------------------------------------------------------------------------------
# Command line (jextract-compatible subset)
# --------------------------------------------------------------------------------------

USAGE = """usage: bindgen.py [options] <header file>
  --output DIR, -d DIR          output directory (package sub-directories are created)
  -t, --target-package PKG      package of the generated classes
  --header-class-name NAME      name of the header class (default: header file name, '.'->'_')
  -I, --include-dir DIR         add a directory to the include search path
  -D, --define-macro NAME[=V]   define a macro
  -l, --library LIB             add a library to SYMBOL_LOOKUP (as jextract; not used by this project)
  --use-system-load-library     load --library entries with System.load/loadLibrary (as jextract)
  --include-function NAME       include filters, as jextract's; when any include option is
  --include-constant NAME         given, only the selected declarations are emitted
  --include-struct NAME
  --include-union NAME
  --include-typedef NAME
  --include-var NAME
  --include-prefix PREFIX       (bindgen) include every declaration whose name starts with PREFIX
  --include-used-typedefs       (bindgen) also include typedefs named in the included declarations
  --dump-includes FILE          write the include options of the declarations that would be
                                emitted to FILE (jextract's argfile form), generate nothing
  --clang-library FILE          (bindgen) path of libclang (default: Debian's libclang-14)
  --werror                      (bindgen) fail (exit status 1) when a warning was printed
  --probe                       (bindgen) only check that libclang can be loaded, then exit
  @FILE                         read options from FILE ('#' starts a comment)
"""


class Options:
    def __init__(self):
        self.output = "."
        self.package = ""
        self.header_class_name = None
        self.include_dirs = []
        self.defines = []
        self.libraries = []
        self.use_system_load_library = False
        self.includes = {k: [] for k in ("function", "constant", "struct", "union", "typedef", "var")}
        self.include_prefixes = []
        self.include_used_typedefs = False
        self.dump_includes = None
        self.clang_library = None
        self.werror = False
        self.probe = False
        self.header = None

    def filtering(self):
        return bool(self.include_prefixes) or any(self.includes.values())


def expand_argfiles(argv):
    out = []
    for a in argv:
        if a.startswith("@") and len(a) > 1:
            with open(a[1:], encoding="utf-8") as f:
                out.extend(expand_argfiles(shlex.split(f.read(), comments=True)))
        else:
            out.append(a)
    return out


def parse_args(argv):
    argv = expand_argfiles(argv)
    o = Options()
    i = 0

    def value():
        nonlocal i
        i += 1
        if i >= len(argv):
            raise BindgenError("missing value for option " + argv[i - 1])
        return argv[i]

    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help", "-?"):
            sys.stdout.write(USAGE)
            sys.exit(0)
        elif a in ("--output", "-d"):
            o.output = value()
        elif a in ("-t", "--target-package"):
            o.package = value()
        elif a == "--header-class-name":
            o.header_class_name = value()
        elif a in ("-I", "--include-dir"):
            o.include_dirs.append(value())
        elif a.startswith("-I") and len(a) > 2:
            o.include_dirs.append(a[2:])
        elif a in ("-D", "--define-macro"):
            o.defines.append(value())
        elif a.startswith("-D") and len(a) > 2:
            o.defines.append(a[2:])
        elif a in ("-l", "--library"):
            o.libraries.append(value())
        elif a == "--use-system-load-library":
            o.use_system_load_library = True
        elif a.startswith("--include-") and a[len("--include-"):] in o.includes:
            o.includes[a[len("--include-"):]].append(value())
        elif a == "--include-prefix":
            o.include_prefixes.append(value())
        elif a == "--include-used-typedefs":
            o.include_used_typedefs = True
        elif a == "--dump-includes":
            o.dump_includes = value()
        elif a == "--clang-library":
            o.clang_library = value()
        elif a == "--werror":
            o.werror = True
        elif a == "--probe":
            o.probe = True
        elif a.startswith("-"):
            raise BindgenError("unknown option: " + a + "\n" + USAGE)
        else:
            if o.header is not None:
                raise BindgenError("only one header file is supported")
            o.header = a
        i += 1
    if o.header is None and not o.probe:
        raise BindgenError("no header file given\n" + USAGE)
    if o.header_class_name is None and o.header is not None:
        o.header_class_name = os.path.basename(o.header).replace(".", "_")
    return o


# --------------------------------------------------------------------------------------
# libclang access
# --------------------------------------------------------------------------------------

def load_clang(opts):
    try:
        import clang.cindex as ci
    except ImportError as e:
        raise BindgenError("python clang bindings not available (Debian: python3-clang): %s" % e)
    lib = opts.clang_library or os.environ.get("LIBCLANG_PATH")
    if lib is None:
        for cand in LIBCLANG_CANDIDATES:
            if os.path.exists(cand):
                lib = cand
                break
    if lib is not None and not ci.Config.loaded:
        ci.Config.set_library_file(lib)
    cl = ci.conf.lib
    cl.clang_getCursorPrintingPolicy.argtypes = [ci.Cursor]
    cl.clang_getCursorPrintingPolicy.restype = ctypes.c_void_p
    cl.clang_PrintingPolicy_setProperty.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint]
    cl.clang_PrintingPolicy_setProperty.restype = None
    cl.clang_PrintingPolicy_dispose.argtypes = [ctypes.c_void_p]
    cl.clang_PrintingPolicy_dispose.restype = None
    cl.clang_getCursorPrettyPrinted.argtypes = [ci.Cursor, ctypes.c_void_p]
    cl.clang_getCursorPrettyPrinted.restype = ci._CXString
    cl.clang_getCursorPrettyPrinted.errcheck = ci._CXString.from_result
    return ci


CXPrintingPolicy_IncludeTagDefinition = 3
CXPrintingPolicy_PolishForDeclaration = 18


def pretty(ci, cursor, expand_tags):
    """The declaration string jextract puts in javadoc (clang's pretty printer)."""
    cl = ci.conf.lib
    policy = cl.clang_getCursorPrintingPolicy(cursor)
    try:
        if expand_tags:
            cl.clang_PrintingPolicy_setProperty(policy, CXPrintingPolicy_IncludeTagDefinition, 1)
        cl.clang_PrintingPolicy_setProperty(policy, CXPrintingPolicy_PolishForDeclaration, 1)
        return cl.clang_getCursorPrettyPrinted(cursor, policy)
    finally:
        cl.clang_PrintingPolicy_dispose(policy)


def decl_string(ci, cursor):
    """As jextract's TreeMaker.withDeclarationString."""
    if cursor.kind == ci.CursorKind.TYPEDEF_DECL:
        return pretty(ci, cursor, True)
    s = pretty(ci, cursor, False)
    if re.search(r"\((unnamed|anonymous) (struct|union|enum) at", s, re.S):
        s = pretty(ci, cursor, True)
    return s


# --------------------------------------------------------------------------------------
# Type model
# --------------------------------------------------------------------------------------

class Prim:
    """A primitive C type as jextract maps it on LP64 Linux/macOS."""

    def __init__(self, layout, carrier, layout_class, align):
        self.layout = layout            # name of the constant in the header class (C_INT ...)
        self.carrier = carrier          # Java carrier type
        self.layout_class = layout_class  # simple name of the layout's class
        self.align = align


PRIMS = {
    "BOOL": Prim("C_BOOL", "boolean", "OfBoolean", 1),
    "CHAR_S": Prim("C_CHAR", "byte", "OfByte", 1),
    "CHAR_U": Prim("C_CHAR", "byte", "OfByte", 1),
    "SCHAR": Prim("C_CHAR", "byte", "OfByte", 1),
    "UCHAR": Prim("C_CHAR", "byte", "OfByte", 1),
    "SHORT": Prim("C_SHORT", "short", "OfShort", 2),
    "USHORT": Prim("C_SHORT", "short", "OfShort", 2),
    "INT": Prim("C_INT", "int", "OfInt", 4),
    "UINT": Prim("C_INT", "int", "OfInt", 4),
    "LONG": Prim("C_LONG", "long", "OfLong", 8),
    "ULONG": Prim("C_LONG", "long", "OfLong", 8),
    "LONGLONG": Prim("C_LONG_LONG", "long", "OfLong", 8),
    "ULONGLONG": Prim("C_LONG_LONG", "long", "OfLong", 8),
    "FLOAT": Prim("C_FLOAT", "float", "OfFloat", 4),
    "DOUBLE": Prim("C_DOUBLE", "double", "OfDouble", 8),
}
POINTER = Prim("C_POINTER", "MemorySegment", "AddressLayout", 8)


class Gen:
    """Collects declarations from the translation unit and writes the Java sources."""

    def __init__(self, ci, opts):
        self.ci = ci
        self.opts = opts
        self.h = opts.header_class_name
        self.files = {}           # class name -> source text
        self.structs = {}         # struct cursor hash -> java class name
        self.emitted_fi_typedefs = set()
        self.dump = []            # (kind, name, file)

    # ---- types ------------------------------------------------------------------------

    def canon(self, t):
        return t.get_canonical()

    def unsupported(self, t):
        """Returns a description of the first unsupported type in t, or None."""
        k = self.ci.TypeKind
        c = self.canon(t)
        if c.kind == k.POINTER:
            return None
        if c.kind == k.VOID:
            return None
        if c.kind.name in PRIMS or c.kind == k.ENUM:
            return None
        if c.kind == k.RECORD:
            decl = c.get_declaration()
            if decl.kind != self.ci.CursorKind.STRUCT_DECL or c.get_size() < 0:
                return c.spelling
            return None
        if c.kind == k.FUNCTIONPROTO:
            for a in c.argument_types():
                u = self.unsupported(a)
                if u:
                    return u
            return self.unsupported(c.get_result())
        return c.spelling

    def prim_of(self, t):
        k = self.ci.TypeKind
        c = self.canon(t)
        if c.kind == k.ENUM:
            c = self.canon(c.get_declaration().enum_type)
        if c.kind in (k.POINTER, k.BLOCKPOINTER):
            return POINTER
        return PRIMS.get(c.kind.name)

    def is_struct(self, t):
        return self.canon(t).kind == self.ci.TypeKind.RECORD

    def is_void(self, t):
        return self.canon(t).kind == self.ci.TypeKind.VOID

    def struct_name(self, t):
        decl = self.canon(t).get_declaration()
        name = self.structs.get(decl.hash)
        if name is None:
            raise BindgenError("struct %s is used by value but not generated (include it)" % decl.spelling)
        return name

    def carrier(self, t):
        if self.is_void(t):
            return "void"
        if self.is_struct(t):
            return "MemorySegment"
        return self.prim_of(t).carrier

    def layout_class(self, t):
        if self.is_struct(t):
            return "GroupLayout"
        return self.prim_of(t).layout_class

    def layout_string(self, t, align=None):
        """As jextract's ClassSourceBuilder.layoutString (align: enclosing struct alignment)."""
        if self.is_struct(t):
            c = self.canon(t)
            s = "%s.layout()" % self.struct_name(t)
            expected = c.get_align()
        else:
            p = self.prim_of(t)
            if p is None:
                raise BindgenError("unsupported type: %s" % t.spelling)
            s = "%s.%s" % (self.h, p.layout)
            expected = p.align
        if align is not None and align < expected and not s.endswith("C_BOOL") and not s.endswith("C_CHAR"):
            s = "%s.align(%s, %d)" % (self.h, s, align)
        return s

    def function_descriptor_string(self, text_box_indent, ret, args):
        """As jextract's ClassSourceBuilder.functionDescriptorString (quirks included)."""
        ind = lambda n: " " * (4 * n)
        b = []
        if not self.is_void(ret):
            b.append("FunctionDescriptor.of(")
            b.append("\n")
            b.append(ind(text_box_indent + 1) + self.layout_string(ret))
            if args:
                b.append(",")
        else:
            b.append("FunctionDescriptor.ofVoid(")
        if args:
            b.append("\n")
            b.append(",\n".join(ind(text_box_indent + 1) + self.layout_string(a) for a in args))
            b.append("\n")
        b.append(ind(text_box_indent) + ")")
        return "".join(b)

    # ---- declarations -------------------------------------------------------------------

    def collect(self, tu):
        """Top-level declarations in translation-unit order (deduplicated)."""
        ci = self.ci
        K = ci.CursorKind
        decls = []
        macros = []
        seen = set()
        for c in tu.cursor.get_children():
            if c.location.file is None:
                continue
            key = (c.kind.name, c.spelling, c.location.file.name, c.location.line, c.location.column)
            if key in seen:
                continue
            seen.add(key)
            if c.kind == K.FUNCTION_DECL:
                if c.storage_class == ci.StorageClass.STATIC or c.is_definition() and self._is_inline(c):
                    continue
                decls.append(("function", c))
            elif c.kind == K.TYPEDEF_DECL:
                decls.append(("typedef", c))
            elif c.kind == K.ENUM_DECL:
                if c.is_definition():
                    for e in c.get_children():
                        if e.kind == K.ENUM_CONSTANT_DECL:
                            decls.append(("constant", e))
            elif c.kind in (K.STRUCT_DECL, K.UNION_DECL):
                decls.append(("struct" if c.kind == K.STRUCT_DECL else "union", c))
            elif c.kind == K.VAR_DECL:
                decls.append(("var", c))
            elif c.kind == K.MACRO_DEFINITION:
                if not c.spelling.startswith("__"):
                    macros.append(("macro", c))
        # jextract evaluates macros after the declarations and emits them last
        return decls + macros

    def _is_inline(self, c):
        return any(t.spelling == "inline" for t in c.get_tokens())

    def select(self, decls):
        """Applies the include filters (jextract semantics, plus bindgen's prefix filter)."""
        o = self.opts
        if not o.filtering():
            return decls

        def named(kind, name):
            key = "constant" if kind == "macro" else kind
            if name in o.includes.get(key, []):
                return True
            return any(name.startswith(p) for p in o.include_prefixes)

        selected = [(k, c) for (k, c) in decls if named(k, c.spelling)]
        if o.include_used_typedefs:
            used = set()
            for k, c in selected:
                for t in self._written_types(k, c):
                    self._typedefs_in(t, used)
            selected_ids = {(k, c.spelling) for k, c in selected}
            selected = [(k, c) for (k, c) in decls
                        if (k, c.spelling) in selected_ids or (k == "typedef" and c.spelling in used)]
        # a declaration of the header itself that the filters leave out is most likely a
        # mistake (e.g. a new function without the project's prefix): say so
        main = os.path.realpath(o.header)
        chosen = {(k, c.spelling) for k, c in selected}
        for k, c in decls:
            if (k, c.spelling) in chosen or c.spelling == "" or k == "macro" or not self._has_output(k, c):
                continue
            if os.path.realpath(c.location.file.name) == main:
                warn("%s %s of %s is not selected by the include filters" %
                     (k, c.spelling, os.path.basename(main)))
        return selected

    def _has_output(self, kind, c):
        """False for declarations that generate nothing anyway (opaque structs and their
        'typedef struct foo foo' typedefs, forward declarations)."""
        k = self.ci.TypeKind
        if kind in ("struct", "union"):
            return c.is_definition()
        if kind == "typedef":
            cu = self.canon(c.underlying_typedef_type)
            if cu.kind == k.RECORD:
                sd = cu.get_declaration()
                return sd.is_definition() and sd.spelling != c.spelling
            return cu.kind != k.ENUM
        return True

    def _written_types(self, kind, c):
        K = self.ci.CursorKind
        if kind == "function":
            yield c.result_type
            for a in c.get_arguments():
                yield a.type
        elif kind == "typedef":
            yield c.underlying_typedef_type
        elif kind in ("struct", "union"):
            for f in c.get_children():
                if f.kind == K.FIELD_DECL:
                    yield f.type

    def _typedefs_in(self, t, acc):
        k = self.ci.TypeKind
        if t.kind == k.ELABORATED:
            t = t.get_named_type()
        if t.kind == k.TYPEDEF:
            acc.add(t.get_declaration().spelling)
            return
        if t.kind == k.RECORD and t.get_declaration().spelling == "":
            for f in t.get_declaration().get_children():
                if f.kind == self.ci.CursorKind.FIELD_DECL:
                    self._typedefs_in(f.type, acc)
        elif t.kind == k.POINTER:
            self._typedefs_in(t.get_pointee(), acc)
        elif t.kind in (k.CONSTANTARRAY, k.INCOMPLETEARRAY):
            self._typedefs_in(t.element_type, acc)
        elif t.kind == k.FUNCTIONPROTO:
            self._typedefs_in(t.get_result(), acc)
            for a in t.argument_types():
                self._typedefs_in(a, acc)

    # ---- generation ---------------------------------------------------------------------

    def generate(self, tu):
        decls = self.select(self.collect(tu))
        self.header = HeaderBuilder(self)
        # structs first get a name, so that layouts of functions/typedefs can refer to them
        for kind, c in decls:
            if kind == "struct" and c.is_definition() and c.spelling:
                self.structs[c.hash] = c.spelling
            elif kind == "typedef":
                u = c.underlying_typedef_type
                if u.kind == self.ci.TypeKind.ELABORATED:
                    u = u.get_named_type()
                if u.kind == self.ci.TypeKind.RECORD:
                    sd = u.get_declaration()
                    if sd.is_definition() and sd.spelling == "" and sd.hash not in self.structs:
                        self.structs[sd.hash] = c.spelling
        for kind, c in decls:
            getattr(self, "visit_" + kind)(c)
        self.header.finish()
        return self.files

    def note(self, kind, c):
        self.dump.append((kind, c.spelling, c.location.file.name if c.location.file else ""))

    def visit_function(self, c):
        ci = self.ci
        ft = c.type
        if ft.kind == ci.TypeKind.FUNCTIONNOPROTO:
            warn("skipping %s: function without prototype" % c.spelling)
            return
        u = self.unsupported(ft)
        if u:
            warn("skipping %s: unsupported type usage: %s" % (c.spelling, u))
            return
        for i, a in enumerate(c.get_arguments()):
            fp = self.function_pointer(a.type)
            if fp is not None and not self.typedef_fi(a.type):
                self.emit_functional_interface("%s$%s" % (c.spelling, a.spelling or "x%d" % i), a, fp, None)
        fp = self.function_pointer(c.result_type)
        if fp is not None and not self.typedef_fi(c.result_type):
            self.emit_functional_interface("%s$return" % c.spelling, c, fp, None)
        self.note("function", c)
        self.header.add_function(c)

    def function_pointer(self, t):
        c = self.canon(t)
        if c.kind == self.ci.TypeKind.POINTER and self.canon(c.get_pointee()).kind == self.ci.TypeKind.FUNCTIONPROTO:
            return self.canon(c.get_pointee())
        return None

    def typedef_fi(self, t):
        k = self.ci.TypeKind
        if t.kind == k.ELABORATED:
            t = t.get_named_type()
        return t.kind == k.TYPEDEF and t.get_declaration().spelling in self.emitted_fi_typedefs

    def visit_typedef(self, c):
        ci = self.ci
        k = ci.TypeKind
        u = c.underlying_typedef_type
        cu = self.canon(u)
        if cu.kind == k.RECORD:
            sd = cu.get_declaration()
            if sd.spelling == c.spelling:
                return                      # 'typedef struct foo foo': redundant (as jextract)
            if not sd.is_definition() or cu.get_size() < 0:
                return                      # opaque struct: nothing to generate (as jextract)
            if sd.spelling == "":
                self.note("typedef", c)
                self.emit_struct(sd, self.structs[sd.hash], c)
                return
            self.note("typedef", c)
            self.emit_typedef_class(c, self.struct_name(cu))
            return
        if cu.kind == k.ENUM:
            return
        fp = self.function_pointer(u)
        if fp is not None:
            if self.unsupported(fp):
                warn("skipping %s: unsupported type usage: %s" % (c.spelling, self.unsupported(fp)))
                return
            if fp.is_function_variadic() and list(fp.argument_types()):
                warn("skipping %s: varargs in callbacks is not supported" % c.spelling)
                return
            names = [p.spelling for p in c.get_children() if p.kind == ci.CursorKind.PARM_DECL]
            self.emitted_fi_typedefs.add(c.spelling)
            self.note("typedef", c)
            self.emit_functional_interface(c.spelling, c, fp, names or None)
            return
        if self.prim_of(u) is not None:
            self.note("typedef", c)
            self.header.add_typedef(c, u)
            return
        warn("skipping %s: unsupported typedef" % c.spelling)

    def visit_constant(self, c):
        self.note("constant", c)
        enum = c.semantic_parent.spelling or "<anonymous>"
        self.header.add_constant(c.spelling, "int", c.enum_value,
                                 "enum %s.%s = %d" % (enum, c.spelling, c.enum_value))

    def visit_macro(self, c):
        toks = [t.spelling for t in c.get_tokens()][1:]
        if not toks:
            return                          # include guards and flags: nothing to generate
        value = parse_macro_value(toks)
        if value is None:
            if any(self.opts.includes.values()) and c.spelling in self.opts.includes["constant"]:
                warn("skipping %s: macro value not supported by bindgen" % c.spelling)
            return
        jtype, v, shown = value
        self.note("constant", c)
        self.header.add_constant(c.spelling, jtype, v, "#define %s %s" % (c.spelling, shown))

    def visit_struct(self, c):
        if not c.is_definition() or c.spelling == "":
            return                          # opaque/forward declaration, or named by a typedef
        if self.canon(c.type).get_size() < 0:
            return
        self.note("struct", c)
        self.emit_struct(c, self.structs[c.hash], None)

    def visit_union(self, c):
        if c.is_definition():
            warn("skipping union %s: unions are not supported by bindgen" % (c.spelling or "<anonymous>"))

    def visit_var(self, c):
        warn("skipping %s: global variables are not supported by bindgen" % c.spelling)

    # ---- other classes ------------------------------------------------------------------

    def new_source(self, class_name):
        return SourceFile(self.opts.package, class_name)

    def emit_typedef_class(self, c, super_name):
        sf = self.new_source(c.spelling)
        b = ClassBuilder(sf, "public", c.spelling, super_name)
        b.append_blank_line()
        b.emit_doc_comment(decl_string(self.ci, c))
        b.class_begin()
        b.emit_default_constructor()
        b.class_end()
        self.files[c.spelling] = sf.text()

    def emit_functional_interface(self, name, parent_cursor, ftype, param_names, enclosing=None):
        nested = enclosing is not None
        if nested:
            sf = enclosing.sf
        else:
            sf = self.new_source(name)
        fi = ClassBuilder(sf, "public static" if nested else "public", name, None)
        ret = ftype.get_result()
        args = list(ftype.argument_types())
        for t in [ret] + args:
            if self.is_struct(t):
                raise BindgenError("%s: structs by value in function pointers are not supported by bindgen" % name)
        names = []
        for i in range(len(args)):
            n = param_names[i] if param_names and i < len(param_names) else ""
            names.append(java_safe(n) if n else "_x%d" % i)
        params = ", ".join("%s %s" % (self.carrier(t), n) for t, n in zip(args, names))
        rtype = self.carrier(ret)
        fi_name = "Function$" if name.lower() == "function" else "Function"

        if nested:
            sf.incr_align()
        fi.append_blank_line()
        fi.emit_doc_comment(decl_string(self.ci, parent_cursor))
        fi.class_begin()
        fi.emit_default_constructor()
        fi.append_indented_lines("""

            /**
             * The function pointer signature, expressed as a functional interface
             */
            public interface %s {
                %s apply(%s);
            }
            """, fi_name, rtype, params)
        fi.append_indented_lines("""

            private static final FunctionDescriptor $DESC = %s;

            /**
             * The descriptor of this function pointer
             */
            public static FunctionDescriptor descriptor() {
                return $DESC;
            }
            """, self.function_descriptor_string(0, ret, args))
        fi.append_indented_lines("""

            private static final MethodHandle UP$MH = %s.upcallHandle(%s.%s.class, "apply", $DESC);

            /**
             * Allocates a new upcall stub, whose implementation is defined by {@code fi}.
             * The lifetime of the returned segment is managed by {@code arena}
             */
            public static MemorySegment allocate(%s.%s fi, Arena arena) {
                return Linker.nativeLinker().upcallStub(UP$MH.bindTo(fi), $DESC, arena);
            }
            """, self.h, name, fi_name, name, fi_name)
        ret_expr = "" if rtype == "void" else "return (%s)" % rtype
        param_str = "," + params if args else ""
        arg_str = "".join(", " + n for n in names)
        fi.append_indented_lines("""

            private static final MethodHandle DOWN$MH = Linker.nativeLinker().downcallHandle($DESC);

            /**
             * Invoke the upcall stub {@code funcPtr}, with given parameters
             */
            public static %s invoke(MemorySegment funcPtr%s) {
                try {
                    %s DOWN$MH.invokeExact(funcPtr%s);
                } catch (Throwable ex$) {
                    throw new AssertionError("should not reach here", ex$);
                }
            }
            """, rtype, param_str, ret_expr, arg_str)
        fi.class_end()
        if nested:
            sf.decr_align()
        else:
            self.files[name] = sf.text()

    def emit_struct(self, c, class_name, typedef_cursor):
        try:
            StructBuilder(self, c, class_name, typedef_cursor).build()
        except BindgenError as e:
            # as jextract does with what it cannot express: skip, with a warning
            self.structs.pop(c.hash, None)
            warn("skipping %s: %s" % (class_name, e))


def java_safe(name):
    return name + "_" if name in JAVA_KEYWORDS else name


INT_RE = re.compile(r"^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$")
FLOAT_RE = re.compile(r"^(([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?)([fFlL]?)$")


def parse_macro_value(toks):
    """Object-like macros whose value is a (possibly negated, parenthesized) literal."""
    shown = " ".join(toks)
    while len(toks) >= 2 and toks[0] == "(" and toks[-1] == ")":
        toks = toks[1:-1]
    neg = False
    if toks and toks[0] in ("-", "+"):
        neg = toks[0] == "-"
        toks = toks[1:]
    if len(toks) != 1:
        return None
    t = toks[0]
    if t.startswith('"') and t.endswith('"') and not neg:
        return ("MemorySegment", bytes(t[1:-1], "utf-8").decode("unicode_escape"), shown)
    m = INT_RE.match(t)
    if m:
        v = int(m.group(1), 0) if not re.match(r"^0[0-7]+$", m.group(1)) else int(m.group(1), 8)
        suffix = m.group(2).lower()
        v = -v if neg else v
        if "l" in suffix or not (-2**31 <= v < 2**31):
            return ("long", v, str(v))
        return ("int", v, str(v))
    m = FLOAT_RE.match(t)
    if m and (("." in t) or ("e" in t.lower())):
        v = float(m.group(1))
        v = -v if neg else v
        if m.group(4) in ("f", "F"):
            return ("float", v, repr(v))
        return ("double", v, repr(v))
    return None


# --------------------------------------------------------------------------------------
# Source text builders (SourceFileBuilder / ClassSourceBuilder of jextract)
# --------------------------------------------------------------------------------------

IMPORTS = """\
import java.lang.invoke.*;
import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.util.*;
import java.util.function.*;
import java.util.stream.*;

import static java.lang.foreign.ValueLayout.*;
import static java.lang.foreign.MemoryLayout.PathElement.*;
"""


def block(s):
    """A Java text block: the newline after the opening delimiter is dropped, the common
    indentation removed and the trailing newline kept."""
    if s.startswith("\n"):
        s = s[1:]
    return textwrap.dedent(s)


class SourceFile:
    def __init__(self, package, class_name):
        self.class_name = class_name
        self.buf = ["// Generated by jextract\n\n"]
        if package:
            self.buf.append("package %s;\n\n" % package)
        self.buf.append(IMPORTS)
        self.align = 0

    def incr_align(self):
        self.align += 1

    def decr_align(self):
        self.align -= 1

    def append_lines(self, s, extra=0):
        lines = s.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        ind = "    " * (self.align + extra)
        for line in lines:
            self.buf.append((ind + line if line else "") + "\n")

    def text(self):
        return "".join(self.buf)


class ClassBuilder:
    def __init__(self, sf, modifiers, class_name, super_name):
        self.sf = sf
        self.modifiers = modifiers
        self.class_name = class_name
        self.super_name = super_name

    def append_lines(self, s, *args):
        s = block(s)
        if args:
            s = s % args
        self.sf.append_lines(s)

    def append_indented_lines(self, s, *args):
        s = block(s)
        if args:
            s = s % args
        self.sf.append_lines(s, 1)

    def append_blank_line(self):
        self.sf.append_lines("\n")

    def incr_align(self):
        self.sf.incr_align()

    def decr_align(self):
        self.sf.decr_align()

    def class_begin(self):
        ext = " extends " + self.super_name if self.super_name else ""
        self.sf.append_lines("%s class %s%s {\n" % (self.modifiers, self.class_name, ext))

    def class_end(self):
        self.sf.append_lines("}\n")

    def emit_default_constructor(self):
        self.append_indented_lines("""

            %s() {
                // Should not be called directly
            }
            """, self.class_name)

    def emit_doc_comment(self, decl, header=""):
        lines = ["/**"]
        if header:
            lines.append(" * " + header)
        lines.append(" * {@snippet lang=c :")
        for line in decl.split("\n"):
            lines.append(" * " + line)
        lines.append(" * }")
        lines.append(" */")
        self.sf.append_lines("\n".join(lines) + "\n")


class HeaderBuilder:
    """The header class (split into chunks of DECLS_PER_HEADER_CLASS declarations, as jextract)."""

    def __init__(self, gen):
        self.gen = gen
        self.h = gen.h
        self.chunks = []
        self.decl_count = 0
        self.holder_names = set()
        self.cur = self._first_chunk()

    def _new_source(self):
        sf = self.gen.new_source(self.h)
        self.chunks.append(sf)
        return sf

    def _first_chunk(self):
        sf = self._new_source()
        b = ClassBuilder(sf, "public", self.h + "#{SUFFIX}", None)
        b.append_blank_line()
        b.class_begin()
        b.emit_default_constructor()
        b.append_indented_lines(r"""

            static final Arena LIBRARY_ARENA = Arena.ofAuto();
            static final boolean TRACE_DOWNCALLS = Boolean.getBoolean("jextract.trace.downcalls");

            static void traceDowncall(String name, Object... args) {
                 String traceArgs = Arrays.stream(args)
                               .map(Object::toString)
                               .collect(Collectors.joining(", "));
                 System.out.printf("%s(%s)\n", name, traceArgs);
            }

            static MemorySegment findOrThrow(String symbol) {
                return SYMBOL_LOOKUP.find(symbol)
                    .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
            }

            static MethodHandle upcallHandle(Class<?> fi, String name, FunctionDescriptor fdesc) {
                try {
                    return MethodHandles.lookup().findVirtual(fi, name, fdesc.toMethodType());
                } catch (ReflectiveOperationException ex) {
                    throw new AssertionError(ex);
                }
            }

            static MemoryLayout align(MemoryLayout layout, long align) {
                return switch (layout) {
                    case PaddingLayout p -> p;
                    case ValueLayout v -> v.withByteAlignment(align);
                    case GroupLayout g -> {
                        MemoryLayout[] alignedMembers = g.memberLayouts().stream()
                                .map(m -> align(m, align)).toArray(MemoryLayout[]::new);
                        yield g instanceof StructLayout ?
                                MemoryLayout.structLayout(alignedMembers) : MemoryLayout.unionLayout(alignedMembers);
                    }
                    case SequenceLayout s -> MemoryLayout.sequenceLayout(s.elementCount(), align(s.elementLayout(), align));
                };
            }
            """)
        self._emit_symbol_lookup(b)
        b.append_indented_lines("""

            public static final ValueLayout.OfBoolean C_BOOL = ValueLayout.JAVA_BOOLEAN;
            public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
            public static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
            public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
            public static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
            public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
            public static final ValueLayout.OfDouble C_DOUBLE = ValueLayout.JAVA_DOUBLE;
            public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
                    .withTargetLayout(MemoryLayout.sequenceLayout(java.lang.Long.MAX_VALUE, JAVA_BYTE));
            public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
            """)
        return b

    def _emit_symbol_lookup(self, b):
        o = self.gen.opts
        lookups = []
        if o.use_system_load_library:
            b.append_blank_line()
            b.append_indented_lines("""

                static {
                """)
            for lib in o.libraries:
                method = "load" if os.sep in lib else "loadLibrary"
                b.sf.append_lines('System.%s("%s");\n' % (method, java_quote(lib)), 2)
            b.append_indented_lines("""
                }
                """)
        else:
            for lib in o.libraries:
                if os.sep in lib:
                    lookups.append('SymbolLookup.libraryLookup("%s", LIBRARY_ARENA)' % java_quote(lib))
                else:
                    lookups.append('SymbolLookup.libraryLookup(System.mapLibraryName("%s"), LIBRARY_ARENA)'
                                   % java_quote(lib))
        lookups.append("SymbolLookup.loaderLookup()")
        lookups.append("Linker.nativeLinker().defaultLookup()")
        calls = [lookups[0]] + [".or(%s)" % l for l in lookups[1:]]
        b.append_blank_line()
        b.append_indented_lines("static final SymbolLookup SYMBOL_LOOKUP = " + ("\n" + " " * 8).join(calls) + ";\n")

    def next(self):
        if self.decl_count == DECLS_PER_HEADER_CLASS:
            self.cur.class_end()
            sf = self._new_source()
            b = ClassBuilder(sf, "public", self.h + "#{SUFFIX}", self.h + "#{PREV_SUFFIX}")
            b.append_blank_line()
            b.class_begin()
            b.emit_default_constructor()
            self.cur = b
            self.decl_count = 1
        else:
            self.decl_count += 1
        return self.cur

    def finish(self):
        self.cur.class_end()
        n = len(self.chunks)
        for i, sf in enumerate(self.chunks):
            suffix = "" if i == n - 1 else "_%d" % (n - 1 - i)
            prev = "_%d" % (n - i)
            text = sf.text().replace("#{SUFFIX}", suffix).replace("#{PREV_SUFFIX}", prev)
            self.gen.files[self.h + suffix] = text

    def holder_name(self, name):
        n = name
        while n.lower() in self.holder_names:
            n += "$"
        self.holder_names.add(n.lower())
        return n

    # -- members --

    def add_typedef(self, c, underlying):
        b = self.next()
        g = self.gen
        b.incr_align()
        b.emit_doc_comment(decl_string(g.ci, c))
        b.append_lines("""
            public static final %s %s = %s;
            """, g.layout_class(underlying), java_safe(c.spelling), g.layout_string(underlying))
        b.decr_align()

    def add_constant(self, name, jtype, value, doc):
        b = self.next()
        name = java_safe(name)
        b.incr_align()
        if jtype == "MemorySegment":
            b.emit_doc_comment(doc)
            b.append_lines("""
                public static %s %s() {
                    class Holder {
                        static final %s %s
                            = %s.LIBRARY_ARENA.allocateFrom("%s");
                    }
                    return Holder.%s;
                }
                """, jtype, name, jtype, name, self.h, java_quote(value), name)
        else:
            b.append_lines("""
                private static final %s %s = %s;
                """, jtype, name, constant_value(jtype, value))
            b.emit_doc_comment(doc)
            b.append_lines("""
                public static %s %s() {
                    return %s;
                }
                """, jtype, name, name)
        b.decr_align()

    def add_function(self, c):
        b = self.next()
        g = self.gen
        native_name = c.spelling
        java_name = java_safe(native_name)
        ft = c.type
        ret = ft.get_result()
        args = list(ft.argument_types())
        variadic = ft.is_function_variadic()
        needs_allocator = g.is_struct(ret)
        names = []
        for i, a in enumerate(c.get_arguments()):
            names.append(java_safe(a.spelling) if a.spelling else "x%d" % i)
        if variadic:
            names.append("x%d" % len(args))
        if needs_allocator:
            alloc = "allocator"
            while alloc in names:
                alloc = "_" + alloc
            names.insert(0, alloc)
        ptypes = (["SegmentAllocator"] if needs_allocator else []) + [g.carrier(a) for a in args]
        pexprs = ", ".join("%s %s" % (t, n) for t, n in zip(ptypes, names))
        if variadic:
            pexprs = (pexprs + ", " if pexprs else "") + "Object... " + names[-1]
        ret_type = g.carrier(ret)
        is_void = ret_type == "void"
        return_with_cast = "" if is_void else "return (%s)" % ret_type
        param_list = ", ".join(names)
        trace_args = '"%s"' % native_name if not param_list else '"%s", %s' % (native_name, param_list)
        doc = decl_string(g.ci, c)
        b.incr_align()
        if not variadic:
            holder = self.holder_name(java_name)
            b.append_lines("""

                private static class %s {
                    public static final FunctionDescriptor DESC = %s;

                    public static final MemorySegment ADDR = %s.findOrThrow("%s");

                    public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
                }
                """, holder, g.function_descriptor_string(1, ret, args), self.h, native_name)
            b.append_blank_line()
            b.emit_doc_comment(doc, "Function descriptor for:")
            b.append_lines("""
                public static FunctionDescriptor %s$descriptor() {
                    return %s.DESC;
                }
                """, java_name, holder)
            b.append_blank_line()
            b.emit_doc_comment(doc, "Downcall method handle for:")
            b.append_lines("""
                public static MethodHandle %s$handle() {
                    return %s.HANDLE;
                }
                """, java_name, holder)
            b.append_blank_line()
            b.emit_doc_comment(doc, "Address for:")
            b.append_lines("""
                public static MemorySegment %s$address() {
                    return %s.ADDR;
                }
                """, java_name, holder)
            b.append_blank_line()
            b.emit_doc_comment(doc)
            b.append_lines("""
                public static %s %s(%s) {
                    var mh$ = %s.HANDLE;
                    try {
                        if (TRACE_DOWNCALLS) {
                            traceDowncall(%s);
                        }
                        %s mh$.invokeExact(%s);
                    } catch (Error | RuntimeException ex) {
                       throw ex;
                    } catch (Throwable ex$) {
                       throw new AssertionError("should not reach here", ex$);
                    }
                }
                """, ret_type, java_name, pexprs, holder, trace_args, return_with_cast, param_list)
        else:
            invoker = self.holder_name(java_name)
            b.append_blank_line()
            b.emit_doc_comment(doc, "Variadic invoker class for:")
            b.append_lines("""
                public static class %s {
                    private static final FunctionDescriptor BASE_DESC = %s;
                    private static final MemorySegment ADDR = %s.findOrThrow("%s");

                    private final MethodHandle handle;
                    private final FunctionDescriptor descriptor;
                    private final MethodHandle spreader;

                    private %s(MethodHandle handle, FunctionDescriptor descriptor, MethodHandle spreader) {
                        this.handle = handle;
                        this.descriptor = descriptor;
                        this.spreader = spreader;
                    }
                """, invoker, g.function_descriptor_string(2, ret, args), self.h, native_name, invoker)
            b.incr_align()
            b.append_blank_line()
            b.emit_doc_comment(doc, "Variadic invoker factory for:")
            b.append_lines("""
                public static %s makeInvoker(MemoryLayout... layouts) {
                    FunctionDescriptor desc$ = BASE_DESC.appendArgumentLayouts(layouts);
                    Linker.Option fva$ = Linker.Option.firstVariadicArg(BASE_DESC.argumentLayouts().size());
                    var mh$ = Linker.nativeLinker().downcallHandle(ADDR, desc$, fva$);
                    var spreader$ = mh$.asSpreader(Object[].class, layouts.length);
                    return new %s(mh$, desc$, spreader$);
                }
                """, invoker, invoker)
            b.decr_align()
            b.append_lines("""

                    /**
                     * {@return the address}
                     */
                    public static MemorySegment address() {
                        return ADDR;
                    }

                    /**
                     * {@return the specialized method handle}
                     */
                    public MethodHandle handle() {
                        return handle;
                    }

                    /**
                     * {@return the specialized descriptor}
                     */
                    public FunctionDescriptor descriptor() {
                        return descriptor;
                    }

                    public %s apply(%s) {
                        try {
                            if (TRACE_DOWNCALLS) {
                                traceDowncall(%s);
                            }
                            %s spreader.invokeExact(%s);
                        } catch(IllegalArgumentException | ClassCastException ex$)  {
                            throw ex$; // rethrow IAE from passing wrong number/type of args
                        } catch (Throwable ex$) {
                           throw new AssertionError("should not reach here", ex$);
                        }
                    }
                }
                """, ret_type, pexprs, trace_args, return_with_cast, param_list)
        b.decr_align()


def java_quote(s):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) > 0x7e:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def constant_value(jtype, value):
    if jtype == "long":
        return "%dL" % value
    if jtype == "double":
        return "%sd" % repr(float(value))
    if jtype == "float":
        return "%sf" % repr(float(value))
    if jtype == "boolean":
        return "true" if value else "false"
    return "(%s)%dL" % (jtype, value)


class StructBuilder:
    """A struct class, as jextract's StructBuilder (scalar, pointer, function-pointer and
    nested-struct fields; arrays, bitfields, unions and anonymous members are refused)."""

    def __init__(self, gen, cursor, class_name, typedef_cursor):
        self.g = gen
        self.c = cursor
        self.name = class_name
        self.typedef_cursor = typedef_cursor
        self.sf = gen.new_source(class_name)
        self.b = ClassBuilder(self.sf, "public", class_name, None)

    def fields(self):
        ci = self.g.ci
        out = []
        for f in self.c.get_children():
            if f.kind == ci.CursorKind.FIELD_DECL:
                if f.is_bitfield():
                    raise BindgenError("struct %s: bitfield %s is not supported by bindgen" % (self.name, f.spelling))
                if not f.spelling:
                    raise BindgenError("struct %s: anonymous members are not supported by bindgen" % self.name)
                ct = self.g.canon(f.type)
                if ct.kind in (ci.TypeKind.CONSTANTARRAY, ci.TypeKind.INCOMPLETEARRAY):
                    raise BindgenError("struct %s: array field %s is not supported by bindgen" % (self.name, f.spelling))
                u = self.g.unsupported(f.type)
                if u:
                    raise BindgenError("struct %s: field %s has unsupported type %s" % (self.name, f.spelling, u))
                out.append(f)
            elif f.kind in (ci.CursorKind.STRUCT_DECL, ci.CursorKind.UNION_DECL) and f.is_definition():
                raise BindgenError("struct %s: nested struct/union definitions are not supported by bindgen" % self.name)
        return out

    def layout_string(self, fields):
        g = self.g
        t = self.g.canon(self.c.type)
        align = t.get_align()
        offset = 0          # bits
        members = []
        for f in fields:
            next_off = f.get_field_offsetof()
            delta = next_off - offset
            if delta > 0:
                members.append("    MemoryLayout.paddingLayout(%d)" % (delta // 8))
                offset += delta
            members.append('    %s.withName("%s")' % (g.layout_string(f.type, align), f.spelling))
            offset += f.type.get_size() * 8
        expected = t.get_size() * 8
        if offset != expected:
            members.append("    MemoryLayout.paddingLayout(%d)" % ((expected - offset) // 8))
        return "MemoryLayout.structLayout(\n" + ",\n".join(members) + '\n).withName("%s")' % (
            self.c.spelling or self.name)

    def build(self):
        g, b = self.g, self.b
        fields = self.fields()
        doc_cursor = self.c if self.c.spelling else self.typedef_cursor
        b.append_blank_line()
        b.emit_doc_comment(decl_string(g.ci, doc_cursor))
        b.class_begin()
        b.emit_default_constructor()
        b.append_indented_lines("""

            private static final GroupLayout $LAYOUT = %s;

            /**
             * The layout of this struct
             */
            public static final GroupLayout layout() {
                return $LAYOUT;
            }
            """, self.layout_string(fields))
        for f in fields:
            fp = g.function_pointer(f.type)
            if fp is not None and not g.typedef_fi(f.type):
                g.emit_functional_interface(f.spelling, f, fp, None, enclosing=b)
            self.add_field(f)
        b.append_indented_lines("""

            /**
             * Obtains a slice of {@code arrayParam} which selects the array element at {@code index}.
             * The returned segment has address {@code arrayParam.address() + index * layout().byteSize()}
             */
            public static MemorySegment asSlice(MemorySegment array, long index) {
                return array.asSlice(layout().byteSize() * index);
            }

            /**
             * The size (in bytes) of this struct
             */
            public static long sizeof() { return layout().byteSize(); }

            /**
             * Allocate a segment of size {@code layout().byteSize()} using {@code allocator}
             */
            public static MemorySegment allocate(SegmentAllocator allocator) {
                return allocator.allocate(layout());
            }

            /**
             * Allocate an array of size {@code elementCount} using {@code allocator}.
             * The returned segment has size {@code elementCount * layout().byteSize()}.
             */
            public static MemorySegment allocateArray(long elementCount, SegmentAllocator allocator) {
                return allocator.allocate(MemoryLayout.sequenceLayout(elementCount, layout()));
            }

            /**
             * Reinterprets {@code addr} using target {@code arena} and {@code cleanupAction} (if any).
             * The returned segment has size {@code layout().byteSize()}
             */
            public static MemorySegment reinterpret(MemorySegment addr, Arena arena, Consumer<MemorySegment> cleanup) {
                return reinterpret(addr, 1, arena, cleanup);
            }

            /**
             * Reinterprets {@code addr} using target {@code arena} and {@code cleanupAction} (if any).
             * The returned segment has size {@code elementCount * layout().byteSize()}
             */
            public static MemorySegment reinterpret(MemorySegment addr, long elementCount, Arena arena, Consumer<MemorySegment> cleanup) {
                return addr.reinterpret(layout().byteSize() * elementCount, arena, cleanup);
            }
            """)
        b.class_end()
        g.files[self.name] = self.sf.text()

    def field_doc(self, f, header):
        self.b.incr_align()
        self.b.emit_doc_comment(decl_string(self.g.ci, f), header)
        self.b.decr_align()

    def add_field(self, f):
        g, b = self.g, self.b
        name = java_safe(f.spelling)
        seg = "struct$" if self.name == "struct" else "struct"
        val = "fieldValue$" if self.name == "fieldValue" else "fieldValue"
        lclass = g.layout_class(f.type)
        b.append_blank_line()
        b.append_indented_lines("""
            private static final %s %s$LAYOUT = (%s)$LAYOUT.select(groupElement("%s"));
            """, lclass, name, lclass, f.spelling)
        b.append_blank_line()
        self.field_doc(f, "Layout for field:")
        b.append_indented_lines("""
            public static final %s %s$layout() {
                return %s$LAYOUT;
            }
            """, lclass, name, name)
        b.append_blank_line()
        b.append_indented_lines("""
            private static final long %s$OFFSET = %d;
            """, name, f.get_field_offsetof() // 8)
        b.append_blank_line()
        self.field_doc(f, "Offset for field:")
        b.append_indented_lines("""
            public static final long %s$offset() {
                return %s$OFFSET;
            }
            """, name, name)
        if g.is_struct(f.type):
            b.append_blank_line()
            self.field_doc(f, "Getter for field:")
            b.append_indented_lines("""
                public static MemorySegment %s(MemorySegment %s) {
                    return %s.asSlice(%s$OFFSET, %s$LAYOUT.byteSize());
                }
                """, name, seg, seg, name, name)
            b.append_blank_line()
            self.field_doc(f, "Setter for field:")
            b.append_indented_lines("""
                public static void %s(MemorySegment %s, MemorySegment %s) {
                    MemorySegment.copy(%s, 0L, %s, %s$OFFSET, %s$LAYOUT.byteSize());
                }
                """, name, seg, val, val, seg, name, name)
        else:
            carrier = g.carrier(f.type)
            b.append_blank_line()
            self.field_doc(f, "Getter for field:")
            b.append_indented_lines("""
                public static %s %s(MemorySegment %s) {
                    return %s.get(%s$LAYOUT, %s$OFFSET);
                }
                """, carrier, name, seg, seg, name, name)
            b.append_blank_line()
            self.field_doc(f, "Setter for field:")
            b.append_indented_lines("""
                public static void %s(MemorySegment %s, %s %s) {
                    %s.set(%s$LAYOUT, %s$OFFSET, %s);
                }
                """, name, seg, carrier, val, seg, name, name, val)


# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------

def write_dump_includes(gen, path):
    width = max([len(n) for _, n, _ in gen.dump] + [1])
    lines = []
    for kind, name, file in gen.dump:
        lines.append("--include-%-9s %-*s # header: %s" % (kind, width, name, os.path.basename(file)))
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def main(argv):
    try:
        opts = parse_args(argv)
        ci = load_clang(opts)
        if opts.probe:
            ci.Index.create()
            return 0
        if not os.path.isfile(opts.header):
            raise BindgenError("header not found: " + opts.header)
        args = ["-x", "c"]
        for d in opts.include_dirs:
            args.append("-I" + d)
        for d in opts.defines:
            args.append("-D" + d)
        index = ci.Index.create()
        tu = index.parse(opts.header, args=args,
                         options=ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD
                         | ci.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES)
        errors = [d for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
        for d in tu.diagnostics:
            if d.severity >= ci.Diagnostic.Warning:
                sys.stderr.write("%s\n" % d)
        if errors:
            raise BindgenError("%d error(s) parsing %s" % (len(errors), opts.header))
        gen = Gen(ci, opts)
        files = gen.generate(tu)
        if opts.dump_includes:
            # as jextract: --dump-includes only writes the include options, no sources
            write_dump_includes(gen, opts.dump_includes)
            return 1 if opts.werror and WARNINGS else 0
        outdir = os.path.join(opts.output, *opts.package.split(".")) if opts.package else opts.output
        os.makedirs(outdir, exist_ok=True)
        for name in sorted(files):
            with open(os.path.join(outdir, name + ".java"), "w", encoding="utf-8", newline="\n") as f:
                f.write(files[name])
        if opts.werror and WARNINGS:
            raise BindgenError("%d warning(s) and --werror" % len(WARNINGS))
        return 0
    except BindgenError as e:
        sys.stderr.write("bindgen: error: %s\n" % e)
        return 1
    except Exception as e:  # libclang missing or unloadable, among others
        sys.stderr.write("bindgen: error: %s: %s\n" % (type(e).__name__, e))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
