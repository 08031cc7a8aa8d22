#!/usr/bin/python3
"""Static checks of the deployment files (run by tests/deploy/check.sh, which renders them).

  check_deploy.py dockerfile ROOT
  check_deploy.py compose ROOT RENDERED.yaml SECRETS_DIR INITDB.sql
  check_deploy.py k8s ROOT OVERLAY RENDERED.yaml

The console's gateway is checked against what it reads (web/gateway/config.ts: the names of its
settings and which are required), its build (web/package.json's engines and scripts, the gateway's
tsconfig) and the services it calls (their ports; mutual TLS when they require client certificates).

Each prints one line per failed check ("FAIL ...") and ends with a summary line; the exit status
is 1 when any check failed. Needs PyYAML (Debian's python3-yaml, a dependency of docker-compose).
"""

import json
import os
import posixpath
import re
import shlex
import shutil
import subprocess
import sys

import yaml

SERVICES = {"course": 50051, "enrollment": 50052, "exchange": 50053}
CLIENT_BINARIES = {"luban-admin", "luban-report", "luban-probe", "luban-demo-seed"}
# Packages of LUBAN_PACKAGES that only the local bring-up and the tests need, not the image build.
LOCAL_ONLY_PACKAGES = {"mariadb-server", "mariadb-client", "sysbench", "docker-compose", "openssl",
                       "galera-4", "mariadb-backup", "socat",
                       "clang", "libclang-rt-14-dev", "libfuzzer-14-dev", "clang-format", "shellcheck"}
# Targets whose directory may not exist yet in a tree under review (name -> directory): accepted
# while it is missing, checked like every other target as soon as it exists. None at present.
PENDING_TARGETS: dict = {}
# The console (web/): its build stage and its image, the only stages that may start from the
# Node.js project's Debian 12 image (Debian 12's nodejs is too old for it).
CONSOLE_STAGES = ("console-build", "console")
NODE_IMAGE = r"node:(\d+)-bookworm-slim(?:@sha256:[0-9a-f]{64})?"
# What the console's build stage leaves for the image, relative to its WORKDIR (web/).
CONSOLE_BUILT = {"package.json", "node_modules", "dist", "dist-gateway"}
# Secrets the console's gateway has no use for: the services' own.
SERVICE_ONLY_SECRETS = re.compile(r"^(db_.*|credentials|luban-db-.*|luban-credentials|"
                                  r"luban-page-token-secrets)$")


def gateway_settings(root):
    """(every LUBAN_* variable web/gateway/config.ts reads, those it requires: no fallback)."""
    with open(os.path.join(root, "web/gateway/config.ts"), encoding="utf-8") as f:
        text = f.read()
    read = set(re.findall(r'\b(?:setting|positive)\(env, "(LUBAN_\w+)"', text))
    read |= set(re.findall(r"\benv\.(LUBAN_\w+)", text))
    required = set(re.findall(r'\bsetting\(env, "(LUBAN_\w+)"\)', text))
    return read, required


def web_package(root):
    with open(os.path.join(root, "web/package.json"), encoding="utf-8") as f:
        return json.load(f)


def gateway_main(root):
    """web/gateway/main.ts as tsc builds it (gateway/tsconfig.json), relative to web/."""
    with open(os.path.join(root, "web/gateway/tsconfig.json"), encoding="utf-8") as f:
        options = json.load(f)["compilerOptions"]
    gateway = os.path.join(root, "web/gateway")
    root_dir = os.path.normpath(os.path.join(gateway, options.get("rootDir", ".")))
    out_dir = os.path.normpath(os.path.join(gateway, options["outDir"]))
    rel = os.path.relpath(os.path.join(gateway, "main.ts"), root_dir)
    return os.path.relpath(os.path.join(out_dir, rel[:-3] + ".js"), os.path.join(root, "web"))


def check_gateway_env(c, where, env, read, required):
    """The console's environment against web/gateway/config.ts: known names, required ones set,
    listening on every interface, mutual TLS given whole."""
    unknown = sorted(k for k in env if k.startswith("LUBAN_") and k not in read)
    c.check(not unknown, f"{where}: {unknown} are not settings of web/gateway/config.ts")
    missing = sorted(required - set(env))
    c.check(not missing, f"{where}: required settings {missing} are not set")
    c.check(env.get("LUBAN_CONSOLE_HOST") == "0.0.0.0",
            f"{where}: LUBAN_CONSOLE_HOST is {env.get('LUBAN_CONSOLE_HOST')!r}, not 0.0.0.0 "
            f"(the gateway would be unreachable from outside its container)")
    c.check(str(env.get("LUBAN_CONSOLE_PORT", "")).isdigit(), f"{where}: no LUBAN_CONSOLE_PORT")
    c.check(("LUBAN_TLS_CERT" in env) == ("LUBAN_TLS_KEY" in env),
            f"{where}: LUBAN_TLS_CERT and LUBAN_TLS_KEY go together")
    for var in ["LUBAN_COURSE_ADDR", "LUBAN_ENROLLMENT_ADDR", "LUBAN_EXCHANGE_ADDR"]:
        service = var[len("LUBAN_"):-len("_ADDR")].lower()
        c.check(env.get(var) == f"{service}:{SERVICES[service]}",
                f"{where}: {var}={env.get(var)} is not {service}:{SERVICES[service]}")


class Checks:
    def __init__(self, what):
        self.what = what
        self.failed = 0
        self.passed = 0
        self.notes = []

    def check(self, ok, message):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL [{self.what}] {message}")
        return ok

    def note(self, message):
        self.notes.append(message)
        print(f"note [{self.what}] {message}")

    def finish(self):
        print(f"{self.what}: {self.passed} checks passed, {self.failed} failed")
        return 1 if self.failed else 0


# --- Dockerfile ---------------------------------------------------------------------------------

def dockerfile_instructions(text):
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    out, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        word, _, rest = current.partition(" ")
        out.append((word.upper(), rest.strip()))
        current = ""
    return out


def cmake_executables(root):
    """{target: directory relative to root} of every add_executable in the tree (tests excluded)."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames
                       if not d.startswith(".") and d not in ("build", "var", "node_modules")
                       and not d.startswith("build-")]
        if "CMakeLists.txt" not in filenames:
            continue
        with open(os.path.join(dirpath, "CMakeLists.txt"), encoding="utf-8") as f:
            for name in re.findall(r"add_executable\(\s*([A-Za-z0-9_.+-]+)", f.read()):
                found[name] = os.path.relpath(dirpath, root)
    return found


def luban_packages(root):
    with open(os.path.join(root, "scripts/lib/common.sh"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^LUBAN_PACKAGES=\((.*?)^\)", text, re.S | re.M)
    if not m:
        return None
    words = []
    for line in m.group(1).splitlines():
        words += line.split("#", 1)[0].split()
    return set(words)


def apt_packages(run_args):
    """Package names of the apt-get install commands in a RUN instruction."""
    names = set()
    for m in re.finditer(r"apt-get install((?:\s+(?!&&)\S+)+)", run_args):
        for word in m.group(1).split():
            if not word.startswith("-"):
                names.add(word)
    return names


def apt_candidates(packages):
    """{package: True/False} whether apt-cache has an installable version; None without apt-cache."""
    try:
        out = subprocess.run(["apt-cache", "policy", *packages], capture_output=True, text=True,
                             timeout=120, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    found, current = {}, None
    for line in out.splitlines():
        m = re.match(r"^(\S+):$", line)
        if m:
            current = m.group(1)
            continue
        m = re.match(r"^\s+Candidate:\s*(\S+)", line)
        if m and current:
            found[current] = m.group(1) != "(none)"
    if not found:
        return None
    return {p: found.get(p, False) for p in packages}


def is_nonroot_user(user):
    m = re.fullmatch(r"(\d+)(?::(\d+))?", user or "")
    return bool(m) and int(m.group(1)) != 0 and (m.group(2) is None or int(m.group(2)) != 0)


def check_dockerfile(root):
    c = Checks("dockerfile")
    path = os.path.join(root, "deploy/docker/Dockerfile")
    if not c.check(os.path.isfile(path), "deploy/docker/Dockerfile is missing"):
        return c.finish()
    with open(path, encoding="utf-8") as f:
        instructions = dockerfile_instructions(f.read())

    stages = {}   # name -> {"base": image or stage, "user": str, "copies": [...], "runs": [...]}
    order = []
    current = None
    for word, args in instructions:
        if word == "FROM":
            parts = args.split()
            image = parts[0]
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else f"#{len(order)}"
            c.check(image in stages or re.fullmatch(r"debian:bookworm(-slim)?", image)
                    or (name in CONSOLE_STAGES and re.fullmatch(NODE_IMAGE, image)),
                    f"stage {name}: FROM {image} is neither an earlier stage nor Debian 12")
            current = {"base": image, "user": None, "copies": [], "runs": [], "env": {},
                       "entrypoint": None, "expose": [], "workdir": "/"}
            stages[name] = current
            order.append(name)
        elif current is None:
            c.check(word == "ARG", f"{word} before the first FROM")
        elif word == "USER":
            current["user"] = args
        elif word == "COPY":
            current["copies"].append(args)
        elif word == "RUN":
            current["runs"].append(args)
        elif word == "ENV":
            for m in re.finditer(r"(\w+)=(\S*)", args):
                current["env"][m.group(1)] = m.group(2)
        elif word == "ENTRYPOINT":
            current["entrypoint"] = args
        elif word == "EXPOSE":
            current["expose"] += args.split()
        elif word == "WORKDIR":
            current["workdir"] = posixpath.join(current["workdir"], args)

    def effective(stage, key):
        while stage in stages:
            if stages[stage][key]:
                return stages[stage][key]
            stage = stages[stage]["base"]
        return None

    def env_of(stage):
        chain = []
        while stage in stages:
            chain.append(stages[stage]["env"])
            stage = stages[stage]["base"]
        merged = {}
        for env in reversed(chain):
            merged.update(env)
        return merged

    for required in ["build", "runtime", *SERVICES, "clients", *CONSOLE_STAGES]:
        c.check(required in stages, f"no stage named {required}")
    if "build" in stages:
        c.check(stages["build"]["base"] == "debian:bookworm", "the build stage is not debian:bookworm")
    if "runtime" in stages:
        c.check(stages["runtime"]["base"] == "debian:bookworm-slim",
                "the runtime stage is not debian:bookworm-slim")

    targets = cmake_executables(root)
    build_runs = " ".join(stages.get("build", {}).get("runs", []))
    c.check("-DLUBAN_BUILD_TESTS=OFF" in build_runs, "the build does not pass -DLUBAN_BUILD_TESTS=OFF")

    # Binaries the build stage produces: build/<dir>/<target> paths, each a real CMake target of
    # that directory, also named in the --target list.
    built = {}
    for rel in re.findall(r"\bbuild/([\w/.-]+)/(luban-[\w-]+)", build_runs):
        directory, name = rel
        built[name] = directory
    c.check(built, "the build stage installs no build/<dir>/luban-* binary")
    target_list = set(re.findall(r"--target((?:\s+luban-[\w-]+)+)", build_runs)[0].split()) \
        if "--target" in build_runs else set()
    for name, directory in sorted(built.items()):
        if name in PENDING_TARGETS and not os.path.isdir(os.path.join(root, PENDING_TARGETS[name])):
            c.note(f"{name}: {PENDING_TARGETS[name]}/ is not in this tree yet (added by the TLS "
                   f"branch); checked once it exists")
            c.check(directory == PENDING_TARGETS[name],
                    f"{name} is taken from build/{directory}, expected build/{PENDING_TARGETS[name]}")
        else:
            c.check(name in targets, f"{name} is not an add_executable target of the repository")
            c.check(targets.get(name) == directory,
                    f"{name} is taken from build/{directory} but is defined in {targets.get(name)}")
        c.check(name in target_list, f"{name} is installed but not in cmake --build --target")

    # What the runtime images copy: only binaries the build stage produced.
    for stage_name in order:
        for args in stages[stage_name]["copies"]:
            m = re.match(r"--from=(\S+)\s+(.*)", args)
            if not m:
                continue
            source = m.group(1)
            c.check(source in stages and order.index(source) < order.index(stage_name),
                    f"stage {stage_name}: COPY --from={source} is not an earlier stage")
            if source != "build":
                continue  # the console's: below
            for item in m.group(2).split()[:-1]:
                name = os.path.basename(item)
                c.check(name in built, f"stage {stage_name}: copies {item}, which the build "
                                       f"stage does not produce")

    def copied(stage):
        names = set()
        while stage in stages:
            for args in stages[stage]["copies"]:
                if args.startswith("--from="):
                    names |= {os.path.basename(x) for x in args.split()[1:-1]}
            stage = stages[stage]["base"]
        return names

    for target in [*SERVICES, "clients"]:
        if target not in stages:
            continue
        user = effective(target, "user")
        c.check(is_nonroot_user(user), f"target {target}: USER is {user!r}, not a numeric non-root uid")
        have = copied(target)
        if target == "clients":
            c.check(CLIENT_BINARIES <= have, f"clients image lacks {sorted(CLIENT_BINARIES - have)}")
            continue
        port = SERVICES[target]
        c.check({f"luban-{target}", "luban-probe"} <= have,
                f"target {target}: needs luban-{target} and luban-probe (the probes run it)")
        c.check(stages[target]["entrypoint"] == f'["/usr/local/bin/luban-{target}"]',
                f"target {target}: ENTRYPOINT is {stages[target]['entrypoint']}")
        c.check(str(port) in stages[target]["expose"], f"target {target}: does not EXPOSE {port}")
        c.check(env_of(target).get("LUBAN_LISTEN") == f"0.0.0.0:{port}",
                f"target {target}: LUBAN_LISTEN is not 0.0.0.0:{port}")

    # Build packages: every package of LUBAN_PACKAGES except the local-only ones.
    wanted = luban_packages(root)
    if c.check(wanted is not None, "LUBAN_PACKAGES not found in scripts/lib/common.sh"):
        installed = apt_packages(build_runs)
        missing = sorted(wanted - LOCAL_ONLY_PACKAGES - installed)
        c.check(not missing, f"the build stage does not install {missing} (from LUBAN_PACKAGES)")

    # Runtime packages exist in Debian 12 (apt-cache of this machine, when it is Debian 12).
    runtime_pkgs = apt_packages(" ".join(stages.get("runtime", {}).get("runs", [])))
    for lib in ["libgrpc++1.51", "libprotobuf32", "libmysqlcppconn7v5", "libabsl20220623",
                "libspdlog1.10"]:
        c.check(lib in runtime_pkgs, f"the runtime stage does not install {lib}")
    c.check(any(p.startswith("libprometheus-cpp") for p in runtime_pkgs),
            "the runtime stage does not install libprometheus-cpp")
    c.check(not any(p.endswith("-dev") for p in runtime_pkgs), "the runtime stage installs -dev packages")
    codename = ""
    if os.path.isfile("/etc/os-release"):
        with open("/etc/os-release", encoding="utf-8") as f:
            m = re.search(r"^VERSION_CODENAME=(\w+)", f.read(), re.M)
            codename = m.group(1) if m else ""
    if codename == "bookworm":
        known = apt_candidates(sorted(runtime_pkgs | apt_packages(build_runs)))
        if known is None:
            c.note("apt-cache not usable: package names not checked")
        else:
            for pkg, ok in sorted(known.items()):
                c.check(ok, f"apt-cache policy {pkg}: no installable version in Debian 12")
    else:
        c.note(f"not Debian 12 ({codename or 'unknown'}): package names not checked with apt-cache")

    if all(name in stages for name in CONSOLE_STAGES):
        check_console_stages(c, root, stages)

    # The build context's ignore file keeps secrets and build trees out and the sources in; the
    # console is built from its sources, without the host's packages, generated code or builds.
    ignore_path = os.path.join(root, ".dockerignore")
    if c.check(os.path.isfile(ignore_path), ".dockerignore is missing at the repository's root"):
        with open(ignore_path, encoding="utf-8") as f:
            patterns = {line.strip().rstrip("/") for line in f
                        if line.strip() and not line.startswith("#")}
        for must in [".git", "build", "var", "deploy/secrets", "web/node_modules", "web/dist",
                     "web/dist-gateway", "web/src/gen"]:
            c.check(must in patterns or (must.endswith("node_modules") and "**/node_modules" in
                                         patterns), f".dockerignore does not exclude {must}")
        for stage_name in ["build", "console-build"]:
            for args in stages.get(stage_name, {}).get("copies", []):
                if args.startswith("--from"):
                    continue
                for src in args.split()[:-1]:
                    src = src.rstrip("/")
                    c.check(src not in patterns,
                            f".dockerignore excludes {src}, which stage {stage_name} copies")
                    c.check(os.path.exists(os.path.join(root, src)), f"COPY {src}: no such path")

    # The build context as the build stage copies it configures with the stage's own cmake
    # command, and the targets it builds exist (ninja's dry run: nothing is compiled).
    scratch = os.environ.get("LUBAN_DEPLOY_SCRATCH")
    configure = re.search(r"(cmake -S \. -B build [^&]*?)\s*&&", build_runs)
    if not c.check(configure is not None, "the build stage has no `cmake -S . -B build` step"):
        return c.finish()
    if not scratch or not all(shutil.which(t) for t in ("cmake", "ninja")):
        c.note("cmake/ninja (or LUBAN_DEPLOY_SCRATCH) missing: the build context was not configured")
        return c.finish()
    context = os.path.join(scratch, "context")
    for args in stages.get("build", {}).get("copies", []):
        if args.startswith("--from"):
            continue
        parts = args.split()
        for src in parts[:-1]:
            src = src.rstrip("/")
            dest = os.path.join(context, src)
            if os.path.isdir(os.path.join(root, src)):
                shutil.copytree(os.path.join(root, src), dest, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns(".git", "build", "build-*"))
            elif os.path.isfile(os.path.join(root, src)):
                os.makedirs(os.path.dirname(dest) or context, exist_ok=True)
                shutil.copy2(os.path.join(root, src), dest)
    command = configure.group(1).replace('"${BUILD_TYPE}"', "RelWithDebInfo")
    result = subprocess.run(shlex.split(command), cwd=context, capture_output=True, text=True,
                            check=False)
    if not c.check(result.returncode == 0, f"`{command}` fails on the copied context:\n"
                                           f"{result.stdout[-2000:]}{result.stderr[-2000:]}"):
        return c.finish()
    present = [t for t in sorted(target_list)
               if not (t in PENDING_TARGETS
                       and not os.path.isdir(os.path.join(root, PENDING_TARGETS[t])))]
    result = subprocess.run(["ninja", "-C", "build", "-n", *present], cwd=context,
                            capture_output=True, text=True, check=False)
    c.check(result.returncode == 0, f"ninja knows not all of {present}: {result.stderr[-1000:]}")
    return c.finish()


def check_console_stages(c, root, stages):
    """The console's build stage and image against web/ (package.json, the gateway's tsconfig and
    config.ts): Node.js new enough, the lockfile's packages, the build's output, the settings."""
    package = web_package(root)
    m = re.search(r">=\s*(\d+)", package.get("engines", {}).get("node", ""))
    node_major = int(m.group(1)) if m else None
    c.check(node_major is not None, "web/package.json has no engines.node >= N")
    build, image = stages["console-build"], stages["console"]
    for name in CONSOLE_STAGES:
        m = re.fullmatch(NODE_IMAGE, stages[name]["base"])
        c.check(m is not None and node_major is not None and int(m.group(1)) >= node_major,
                f"stage {name}: FROM {stages[name]['base']} is not node:<{node_major} or "
                f"later>-bookworm-slim (web/package.json's engines.node)")
    c.check(build["base"] == image["base"], "the console is built and run on different Node images")

    runs = " ".join(build["runs"])
    c.check(re.search(r"\bnpm ci\b", runs) and not re.search(r"\bnpm (install|i)\b", runs),
            "stage console-build does not install with npm ci (the committed lockfile)")
    c.check(re.search(r"\bnpm run build\b", runs), "stage console-build does not run npm run build")
    c.check(re.search(r"\bnpm prune\b.*--omit=dev", runs),
            "stage console-build leaves the dev packages (npm prune --omit=dev) for the image")
    workdir = build["workdir"]
    copied = {}   # source in the context -> the directory it is copied into
    for args in build["copies"]:
        parts = args.split()
        for src in parts[:-1]:
            copied[src.rstrip("/")] = posixpath.normpath(posixpath.join(workdir, parts[-1]))
    c.check(copied.get("web") == posixpath.normpath(workdir),
            f"stage console-build: web/ is not copied to its WORKDIR {workdir}")
    for f in ["web/package.json", "web/package-lock.json"]:
        c.check(f in copied, f"stage console-build does not copy {f} (npm ci needs the lockfile)")
    # npm run generate reads the contracts from a path relative to web/.
    m = re.search(r"buf generate (\S+)", package.get("scripts", {}).get("generate", ""))
    if c.check(m is not None, "web/package.json's generate script runs no buf generate"):
        want = posixpath.normpath(posixpath.join(workdir, m.group(1)))
        c.check(copied.get("protos") == want,
                f"stage console-build: protos/ is not at {want} (npm run generate's {m.group(1)})")

    # The image: only the build's output, a numeric non-root user, node running the gateway.
    home = image["workdir"].rstrip("/")
    have = set()
    for args in image["copies"]:
        m = re.match(r"--from=(\S+)\s+(.*)", args)
        if not c.check(m is not None and m.group(1) == "console-build",
                       f"stage console: COPY {args} is not from console-build"):
            continue
        parts = m.group(2).split()
        for item in parts[:-1]:
            rel = posixpath.relpath(item.rstrip("/"), workdir)
            c.check(rel in CONSOLE_BUILT, f"stage console: copies {item}, not one of "
                                          f"{sorted(CONSOLE_BUILT)} of {workdir}")
            dest = posixpath.join(home, parts[-1])
            c.check(posixpath.normpath(dest) in (home, posixpath.join(home, rel)),
                    f"stage console: {item} is copied to {dest}, not {posixpath.join(home, rel)}")
            have.add(rel)
    c.check(CONSOLE_BUILT <= have,
            f"stage console lacks {sorted(CONSOLE_BUILT - have)} of the build")
    c.check(package.get("type") != "module" or "package.json" in have,
            "stage console: without web/package.json (type: module) node cannot load the gateway")
    c.check(is_nonroot_user(image["user"]),
            f"stage console: USER is {image['user']!r}, not a numeric non-root uid")
    main = posixpath.join(home, gateway_main(root))
    try:
        entrypoint = json.loads(image["entrypoint"] or "null")
    except json.JSONDecodeError:
        entrypoint = image["entrypoint"]
    c.check(entrypoint == ["node", main],
            f"stage console: ENTRYPOINT is {image['entrypoint']}, not [\"node\", \"{main}\"]")
    read, _ = gateway_settings(root)
    env = image["env"]
    unknown = sorted(k for k in env if k.startswith("LUBAN_") and k not in read)
    c.check(not unknown, f"stage console: ENV {unknown} are not settings of web/gateway/config.ts")
    c.check(env.get("LUBAN_CONSOLE_HOST") == "0.0.0.0",
            "stage console: LUBAN_CONSOLE_HOST is not 0.0.0.0")
    c.check(env.get("LUBAN_CONSOLE_PORT") in image["expose"],
            f"stage console: does not EXPOSE LUBAN_CONSOLE_PORT {env.get('LUBAN_CONSOLE_PORT')}")
    c.check(env.get("LUBAN_CONSOLE_STATIC") == posixpath.join(home, "dist"),
            f"stage console: LUBAN_CONSOLE_STATIC is not the copied console {home}/dist")


# --- compose ------------------------------------------------------------------------------------

def env_dict(env):
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: ("" if v is None else str(v)) for k, v in (env or {}).items()}


def names(seq):
    """Secret names of a service's secrets list (short or long syntax)."""
    out = []
    for item in seq or []:
        out.append(item["source"] if isinstance(item, dict) else item)
    return out


def secret_path(value):
    m = re.fullmatch(r"/run/secrets/([\w.-]+)", value or "")
    return m.group(1) if m else None


def check_compose(root, rendered, secrets_dir, initdb_sql):
    c = Checks("compose")
    with open(rendered, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    services = doc.get("services", {})
    secrets = doc.get("secrets", {})
    with open(os.path.join(root, "deploy/docker/Dockerfile"), encoding="utf-8") as f:
        stages = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", f.read(), re.M | re.I))

    db = services.get("mariadb")
    if c.check(db is not None, "no mariadb service"):
        c.check(db.get("image") == "mariadb:10.11", f"mariadb image is {db.get('image')}")
        c.check("healthcheck" in db, "mariadb has no healthcheck")
        vols = [v if isinstance(v, str) else f"{v.get('source')}:{v.get('target')}"
                for v in db.get("volumes", [])]
        c.check(any(v.split(":")[1] == "/docker-entrypoint-initdb.d" for v in vols if ":" in v),
                "mariadb mounts nothing on /docker-entrypoint-initdb.d")
        denv = env_dict(db.get("environment"))
        c.check("MARIADB_ROOT_PASSWORD" not in denv and
                secret_path(denv.get("MARIADB_ROOT_PASSWORD_FILE")) in names(db.get("secrets")),
                "mariadb's root password is not read from a secret file")

    # Every secret is a file in the secrets directory (nothing committed) that exists.
    real_dir = os.path.realpath(secrets_dir)
    for name, spec in secrets.items():
        path = os.path.realpath(spec.get("file", ""))
        c.check(path.startswith(real_dir + os.sep), f"secret {name} is not in LUBAN_SECRETS_DIR: {path}")
        c.check(os.path.isfile(path) and os.path.getsize(path) > 0,
                f"secret {name}: {path} is missing or empty (scripts/deploy-secrets)")

    for svc, port in SERVICES.items():
        s = services.get(svc)
        if not c.check(s is not None, f"no {svc} service"):
            continue
        env = env_dict(s.get("environment"))
        own = names(s.get("secrets"))
        build = s.get("build") or {}
        c.check(build.get("target") in stages, f"{svc}: build target {build.get('target')} not in the Dockerfile")
        c.check(str(build.get("dockerfile", "")).endswith("deploy/docker/Dockerfile"),
                f"{svc}: not built from deploy/docker/Dockerfile")
        c.check(is_nonroot_user(str(s.get("user", ""))), f"{svc}: user {s.get('user')!r} is not non-root")
        c.check(s.get("read_only") is True, f"{svc}: read_only is not true")
        c.check("ALL" in (s.get("cap_drop") or []), f"{svc}: cap_drop lacks ALL")
        c.check(any("no-new-privileges" in o for o in s.get("security_opt") or []),
                f"{svc}: no no-new-privileges")
        c.check(env.get("LUBAN_LISTEN") == f"0.0.0.0:{port}", f"{svc}: LUBAN_LISTEN is not 0.0.0.0:{port}")
        c.check(env.get("LUBAN_DB_USER") == f"luban_{svc}" and env.get("LUBAN_DB_NAME") == f"luban_{svc}",
                f"{svc}: database user/schema are not luban_{svc}")
        c.check(env.get("LUBAN_DB_HOST") == "mariadb", f"{svc}: LUBAN_DB_HOST is not mariadb")
        c.check("LUBAN_DB_PASSWORD" not in env, f"{svc}: a plain LUBAN_DB_PASSWORD")
        c.check(secret_path(env.get("LUBAN_DB_PASSWORD_FILE")) == f"db_password_{svc}"
                and f"db_password_{svc}" in own, f"{svc}: the password is not its own secret file")
        others = [n for n in own if n.startswith("db_") and n != f"db_password_{svc}"]
        c.check(not others, f"{svc}: gets other database secrets {others}")
        c.check(len(env.get("LUBAN_PAGE_TOKEN_SECRET", "")) >= 32,
                f"{svc}: no LUBAN_PAGE_TOKEN_SECRET (env_file from scripts/deploy-secrets)")
        for var in ["LUBAN_TLS_CERT", "LUBAN_TLS_KEY", "LUBAN_TLS_CLIENT_CA", "LUBAN_PEER_TLS_CA",
                    "LUBAN_CREDENTIALS_FILE"]:
            c.check(secret_path(env.get(var)) in own, f"{svc}: {var} is not a secret it mounts")
        c.check(secret_path(env.get("LUBAN_TLS_CERT")) == f"tls_{svc}_crt",
                f"{svc}: presents another service's certificate")
        c.check(bool(env.get("LUBAN_METRICS_LISTEN")), f"{svc}: no LUBAN_METRICS_LISTEN")
        c.check(env.get("LUBAN_LOG_FORMAT") == "json", f"{svc}: logs are not JSON")
        for var in ["LUBAN_COURSE_TARGET", "LUBAN_ENROLLMENT_TARGET"]:
            if var in env:
                host, _, p = env[var].partition(":")
                c.check(host in SERVICES and p == str(SERVICES[host]),
                        f"{svc}: {var}={env[var]} is not a service of this file")
        test = (s.get("healthcheck") or {}).get("test") or []
        c.check(test[:2] == ["CMD", "luban-probe"], f"{svc}: the healthcheck does not run luban-probe")
        c.check(f"--addr=127.0.0.1:{port}" in test and f"--tls_server_name={svc}" in test,
                f"{svc}: the healthcheck does not probe 127.0.0.1:{port} as {svc}")
        for arg in test:
            m = re.match(r"--tls_(?:ca|cert|key)=(.*)", arg)
            if m:
                c.check(secret_path(m.group(1)) in own, f"{svc}: probe file {m.group(1)} is not mounted")
        deps = s.get("depends_on") or {}
        c.check("mariadb" in deps, f"{svc}: does not depend on mariadb")
        for dep, spec in deps.items():
            c.check(isinstance(spec, dict) and spec.get("condition") == "service_healthy",
                    f"{svc}: depends_on {dep} without condition service_healthy")

    check_compose_console(c, root, services, stages)

    report = services.get("report")
    if c.check(report is not None, "no report service"):
        cmd = report.get("command") or []
        c.check(cmd and cmd[0] == "luban-report", "the report service does not run luban-report")
        env = env_dict(report.get("environment"))
        own = names(report.get("secrets"))
        for var in ["LUBAN_TOKEN_FILE", "LUBAN_TLS_CA", "LUBAN_TLS_CERT", "LUBAN_TLS_KEY"]:
            c.check(secret_path(env.get(var)) in own, f"report: {var} is not a secret it mounts")

    # The init SQL: one schema and one user per service, rights on its own schema only, the
    # passwords of the secret files.
    with open(initdb_sql, encoding="utf-8") as f:
        sql = f.read()
    grants = re.findall(r"GRANT\s+(.+?)\s+ON\s+(\S+)\s+TO\s+'([^']+)'@'([^']+)'", sql, re.I)
    c.check(len(grants) == len(SERVICES), f"init SQL has {len(grants)} grants, expected {len(SERVICES)}")
    for privileges, on, user, _host in grants:
        c.check(on == f"`{user}`.*", f"init SQL grants {user} rights on {on}, not on its own schema")
    for svc in SERVICES:
        with open(os.path.join(secrets_dir, f"db_password_{svc}"), encoding="utf-8") as f:
            password = f.readline().rstrip("\n")
        c.check(re.search(rf"CREATE DATABASE IF NOT EXISTS `luban_{svc}`", sql),
                f"init SQL does not create luban_{svc}")
        c.check(f"CREATE USER IF NOT EXISTS 'luban_{svc}'@'%' IDENTIFIED BY '{password}'" in sql,
                f"init SQL does not create user luban_{svc} with the secret's password")
    c.check(not re.search(r"\*\.\*", sql), "init SQL grants global rights")
    return c.finish()


def published_ports(spec):
    """(host address, host port, container port) of a compose service's ports, short or long."""
    out = []
    for p in spec.get("ports") or []:
        if isinstance(p, dict):
            out.append((p.get("host_ip", ""), str(p.get("published", "")), str(p.get("target"))))
            continue
        parts = str(p).split("/")[0].split(":")
        parts = [""] * (3 - len(parts)) + parts
        out.append((parts[0], parts[1], parts[2]))
    return out


def check_compose_console(c, root, services, stages):
    """The console's gateway in compose: its image, hardening, settings (web/gateway/config.ts),
    mutual TLS to the services with the clients' certificate, its port and healthcheck."""
    s = services.get("console")
    if not c.check(s is not None, "no console service"):
        return
    read, required = gateway_settings(root)
    env = env_dict(s.get("environment"))
    own = names(s.get("secrets"))
    build = s.get("build") or {}
    c.check(build.get("target") == "console" and "console" in stages,
            f"console: build target {build.get('target')} is not the Dockerfile's console stage")
    c.check(str(build.get("dockerfile", "")).endswith("deploy/docker/Dockerfile"),
            "console: not built from deploy/docker/Dockerfile")
    c.check(is_nonroot_user(str(s.get("user", ""))),
            f"console: user {s.get('user')!r} is not non-root")
    c.check(s.get("read_only") is True, "console: read_only is not true")
    c.check("ALL" in (s.get("cap_drop") or []), "console: cap_drop lacks ALL")
    c.check(any("no-new-privileges" in o for o in s.get("security_opt") or []),
            "console: no no-new-privileges")
    check_gateway_env(c, "console", env, read, required)
    # The services require client certificates (LUBAN_TLS_CLIENT_CA): so must the gateway have one.
    mutual = any("LUBAN_TLS_CLIENT_CA" in env_dict((services.get(svc) or {}).get("environment"))
                 for svc in SERVICES)
    for var in ["LUBAN_TLS_CA"] + (["LUBAN_TLS_CERT", "LUBAN_TLS_KEY"] if mutual else []):
        c.check(secret_path(env.get(var)) in own, f"console: {var} is not a secret it mounts")
    c.check(secret_path(env.get("LUBAN_TLS_CERT")) not in {f"tls_{svc}_crt" for svc in SERVICES},
            "console: presents a service's certificate")
    extra = [n for n in own if SERVICE_ONLY_SECRETS.match(n)]
    c.check(not extra, f"console: gets the services' secrets {extra}")
    c.check(not s.get("env_file"), "console: an env_file (the gateway has no secret settings)")
    port = str(env.get("LUBAN_CONSOLE_PORT", ""))
    ports = published_ports(s)
    c.check(len(ports) == 1 and ports[0][2] == port,
            f"console: publishes {ports}, not one port to LUBAN_CONSOLE_PORT {port}")
    c.check(all(host not in ("", "0.0.0.0", "::") for host, _, _ in ports),
            "console: published on every interface by default (plain HTTP, a Secure cookie)")
    test = " ".join((s.get("healthcheck") or {}).get("test") or [])
    c.check("/healthz" in test and (f"127.0.0.1:{port}/" in test or
                                    "process.env.LUBAN_CONSOLE_PORT" in test),
            "console: the healthcheck does not ask the gateway's /healthz on its port")
    deps = s.get("depends_on") or {}
    for svc in SERVICES:
        c.check((deps.get(svc) or {}).get("condition") == "service_healthy",
                f"console: does not wait for {svc} to be healthy")


# --- Kubernetes ---------------------------------------------------------------------------------

def quantity(value, memory):
    """Kubernetes quantity to bytes (memory) or cores (cpu)."""
    value = str(value)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 1e3, "M": 1e6, "G": 1e9, "m": 1e-3}
    for unit, factor in units.items():
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    return float(value)


def my_cnf_max_connections(root):
    with open(os.path.join(root, "deploy/mariadb/my.cnf"), encoding="utf-8") as f:
        m = re.search(r"^max[-_]connections\s*=\s*(\d+)", f.read(), re.M)
    return int(m.group(1)) if m else None


def check_k8s(root, overlay, rendered):
    c = Checks(f"k8s/{overlay}")
    with open(rendered, encoding="utf-8") as f:
        objects = [o for o in yaml.safe_load_all(f) if o]
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    configmaps = by_kind.get("ConfigMap", {})
    deployments = by_kind.get("Deployment", {})
    services = by_kind.get("Service", {})
    hpas = by_kind.get("HorizontalPodAutoscaler", {})

    for o in by_kind.get("Secret", {}).values():
        c.check(not o.get("data") and not o.get("stringData"),
                f"Secret {o['metadata']['name']} with data is committed")
    namespaces = {o["metadata"].get("namespace") for o in objects if o["kind"] != "Namespace"}
    c.check(len(namespaces) == 1 and None not in namespaces, f"objects in namespaces {namespaces}")

    def pod_specs():
        for name, d in deployments.items():
            yield f"Deployment/{name}", d["spec"]["template"]["spec"]
        for name, ss in by_kind.get("StatefulSet", {}).items():
            # Its claims' templates are its pods' volumes too.
            spec = dict(ss["spec"]["template"]["spec"])
            spec["volumes"] = (spec.get("volumes") or []) + [
                {"name": t["metadata"]["name"], "persistentVolumeClaim": {}}
                for t in ss["spec"].get("volumeClaimTemplates") or []]
            yield f"StatefulSet/{name}", spec
        for name, cj in by_kind.get("CronJob", {}).items():
            yield f"CronJob/{name}", cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]

    for where, spec in pod_specs():
        psc = spec.get("securityContext") or {}
        c.check(psc.get("runAsNonRoot") is True, f"{where}: pod securityContext.runAsNonRoot is not true")
        c.check(spec.get("automountServiceAccountToken") is False, f"{where}: mounts a service account token")
        volumes = {v["name"]: v for v in spec.get("volumes") or []}
        for v in volumes.values():
            if "secret" in v:
                c.check(bool(v["secret"].get("secretName")), f"{where}: secret volume {v['name']} has no name")
            for source in (v.get("projected") or {}).get("sources") or []:
                if "secret" in source:
                    c.check(bool(source["secret"].get("name")),
                            f"{where}: a secret of projected volume {v['name']} has no name")
        for ctr in (spec.get("initContainers") or []) + spec["containers"]:
            cw = f"{where}/{ctr['name']}"
            sc = ctr.get("securityContext") or {}
            run_as = sc.get("runAsUser", psc.get("runAsUser"))
            c.check(sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True and run_as not in (None, 0),
                    f"{cw}: not running as a non-root uid")
            c.check(sc.get("readOnlyRootFilesystem") is True, f"{cw}: readOnlyRootFilesystem is not true")
            c.check(sc.get("allowPrivilegeEscalation") is False, f"{cw}: allowPrivilegeEscalation is not false")
            c.check("ALL" in ((sc.get("capabilities") or {}).get("drop") or []), f"{cw}: does not drop ALL capabilities")
            res = ctr.get("resources") or {}
            for kind in ["requests", "limits"]:
                for r in ["cpu", "memory"]:
                    c.check(r in (res.get(kind) or {}), f"{cw}: no {kind}.{r}")
            lim = (res.get("limits") or {}).get("memory")
            req = (res.get("requests") or {}).get("memory")
            if lim and req:
                # Idle RSS ~22 MB, ~32 MB during an export (docs/performance.md).
                c.check(quantity(req, True) >= 32 * 2**20, f"{cw}: memory request {req} under 32Mi")
                c.check(quantity(lim, True) >= 96 * 2**20, f"{cw}: memory limit {lim} under 96Mi")
                c.check(quantity(lim, True) >= quantity(req, True), f"{cw}: memory limit below request")
            image = ctr.get("image", "")
            name, _, digest = image.partition("@")
            last = name.rsplit("/", 1)[-1]
            tag = last.split(":", 1)[1] if ":" in last else None
            c.check(bool(tag) or digest.startswith("sha256:"), f"{cw}: image {image} has no tag")
            if overlay == "prod":
                c.check(digest.startswith("sha256:") or (
                    tag != "latest" and re.fullmatch(r"v?\d+\.\d+\.\d+[\w.-]*", tag or "")),
                        f"{cw}: image {image} is not pinned to a release tag")
            for ef in ctr.get("envFrom") or []:
                if "configMapRef" in ef:
                    c.check(ef["configMapRef"]["name"] in configmaps,
                            f"{cw}: envFrom ConfigMap {ef['configMapRef']['name']} is not rendered")
            for e in ctr.get("env") or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref is not None:
                    c.check(bool(ref.get("name")) and bool(ref.get("key")), f"{cw}: secretKeyRef without name/key")
                c.check(not (e["name"].endswith(("PASSWORD", "SECRET", "TOKEN")) and "value" in e),
                        f"{cw}: {e['name']} has a literal value")
            for vm in ctr.get("volumeMounts") or []:
                c.check(vm["name"] in volumes, f"{cw}: mounts unknown volume {vm['name']}")

    def env_of(ctr):
        env = {}
        for ef in ctr.get("envFrom") or []:
            if "configMapRef" in ef:
                env.update(configmaps.get(ef["configMapRef"]["name"], {}).get("data") or {})
        for e in ctr.get("env") or []:
            env[e["name"]] = e.get("value", "<ref>")
        return env

    max_conn = my_cnf_max_connections(root)
    connections = 0
    for svc, port in SERVICES.items():
        d = deployments.get(svc)
        if not c.check(d is not None, f"no Deployment {svc}"):
            continue
        spec = d["spec"]["template"]["spec"]
        ctr = spec["containers"][0]
        env = env_of(ctr)
        labels = d["spec"]["template"]["metadata"]["labels"]
        c.check(all(labels.get(k) == v for k, v in d["spec"]["selector"]["matchLabels"].items()),
                f"Deployment {svc}: selector does not match its pods")
        c.check(env.get("LUBAN_LISTEN") == f"0.0.0.0:{port}", f"{svc}: LUBAN_LISTEN is not 0.0.0.0:{port}")
        c.check(env.get("LUBAN_DB_USER") == f"luban_{svc}" and env.get("LUBAN_DB_NAME") == f"luban_{svc}",
                f"{svc}: database user/schema are not luban_{svc}")
        c.check("LUBAN_DB_PASSWORD" not in env, f"{svc}: a plain LUBAN_DB_PASSWORD")
        c.check(bool(env.get("LUBAN_METRICS_LISTEN")) and env.get("LUBAN_LOG_FORMAT") == "json",
                f"{svc}: no metrics listener or JSON logs")
        c.check("LUBAN_PAGE_TOKEN_SECRET" in env, f"{svc}: no LUBAN_PAGE_TOKEN_SECRET (replicas must share it)")
        mounts = [vm["mountPath"] for vm in ctr.get("volumeMounts") or []]

        def mounted(path):
            return any(path.startswith(m.rstrip("/") + "/") for m in mounts)

        for var in ["LUBAN_TLS_CERT", "LUBAN_TLS_KEY", "LUBAN_TLS_CLIENT_CA", "LUBAN_PEER_TLS_CA",
                    "LUBAN_DB_PASSWORD_FILE", "LUBAN_CREDENTIALS_FILE"]:
            c.check(var in env and mounted(env[var]), f"{svc}: {var} is not a file of a mounted volume")
        ports = {p["name"]: p["containerPort"] for p in ctr.get("ports") or []}
        c.check(ports.get("grpc") == port and ports.get("metrics") == 9090,
                f"{svc}: container ports are {ports}")
        for probe in ["startupProbe", "readinessProbe", "livenessProbe"]:
            p = ctr.get(probe)
            if not c.check(p is not None and "exec" in p, f"{svc}: no exec {probe}"):
                continue
            cmd = p["exec"]["command"]
            c.check(cmd[0] == "luban-probe", f"{svc}: {probe} does not run luban-probe")
            c.check(f"--addr=127.0.0.1:{port}" in cmd and f"--tls_server_name={svc}" in cmd,
                    f"{svc}: {probe} does not probe 127.0.0.1:{port} as {svc}")
            for arg in cmd:
                m = re.match(r"--tls_(?:ca|cert|key)=(.*)", arg)
                if m:
                    c.check(mounted(m.group(1)), f"{svc}: {probe} file {m.group(1)} is not mounted")
            c.check(p.get("timeoutSeconds", 1) >= 3, f"{svc}: {probe} timeout under the probe's own 2s")
        s = services.get(svc)
        if c.check(s is not None, f"no Service {svc}"):
            c.check(s["spec"].get("type", "ClusterIP") == "ClusterIP", f"Service {svc} is not ClusterIP")
            c.check(all(labels.get(k) == v for k, v in s["spec"]["selector"].items()),
                    f"Service {svc}: selector does not match the Deployment's pods")
            sp = {p["name"]: p for p in s["spec"]["ports"]}
            c.check(sp.get("grpc", {}).get("port") == port and "metrics" in sp,
                    f"Service {svc}: ports are {sorted(sp)}")
            for p in sp.values():
                c.check(p.get("targetPort") in ports, f"Service {svc}: targetPort {p.get('targetPort')} unknown")
        pdbs = [p for p in by_kind.get("PodDisruptionBudget", {}).values()
                if all(labels.get(k) == v for k, v in p["spec"]["selector"]["matchLabels"].items())]
        c.check(len(pdbs) == 1, f"{svc}: {len(pdbs)} PodDisruptionBudgets select its pods")
        replicas = d["spec"].get("replicas", 1)
        hpa = hpas.get(svc)
        if hpa is not None:
            c.check(hpa["apiVersion"] == "autoscaling/v2", f"HPA {svc} is not autoscaling/v2")
            c.check(hpa["spec"]["scaleTargetRef"]["name"] == svc, f"HPA {svc} scales something else")
            c.check(hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"], f"HPA {svc}: min > max")
            replicas = max(replicas, hpa["spec"]["maxReplicas"])
        if hpa is not None:
            # The autoscaler owns the count: a fixed one would reset it at every apply.
            c.check("replicas" not in d["spec"], f"Deployment {svc}: a replica count beside its HPA")
        if overlay == "prod":
            c.check(hpa is not None and hpa["spec"]["minReplicas"] >= 2,
                    f"prod: {svc} may run fewer than 2 replicas")
        if overlay == "dev":
            c.check(d["spec"].get("replicas") == 1 and hpa is None, f"dev: {svc} is not 1 replica without HPA")
        connections += replicas * int(env.get("LUBAN_DB_POOL_SIZE", "8"))
    if c.check(max_conn is not None, "max-connections not found in deploy/mariadb/my.cnf"):
        # Leave a fifth of the server's connections for the report, backups and administration.
        c.check(connections <= 0.8 * max_conn,
                f"at most {connections} pooled connections, over 80% of max_connections {max_conn}")

    db_host = {env_of(d["spec"]["template"]["spec"]["containers"][0]).get("LUBAN_DB_HOST")
               for name, d in deployments.items() if name in SERVICES}
    c.check(len(db_host) == 1, f"the services use different database hosts {db_host}")
    host = next(iter(db_host))
    if host in services:
        ext = services[host]["spec"]
        c.check(ext.get("type") == "ExternalName" and bool(ext.get("externalName")),
                f"Service {host} (the database) is not an ExternalName with a name")

    check_k8s_peers(c, root, overlay, by_kind, env_of)
    check_k8s_database(c, root, by_kind, env_of)
    if overlay == "ha":
        check_k8s_ha(c, by_kind)
    check_k8s_console(c, root, overlay, by_kind, env_of)

    cronjobs = by_kind.get("CronJob", {})
    cj = cronjobs.get("luban-report")
    if c.check(cj is not None, "no CronJob luban-report"):
        spec = cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        ctr = spec["containers"][0]
        c.check("luban-report" in " ".join(ctr.get("command", []) + ctr.get("args", [])),
                "the CronJob does not run luban-report")
        c.check(cj["spec"].get("concurrencyPolicy") == "Forbid", "the CronJob may run twice at once")
        env = env_of(ctr)
        for var in ["LUBAN_COURSE_ADDR", "LUBAN_ENROLLMENT_ADDR", "LUBAN_EXCHANGE_ADDR"]:
            host, _, p = env.get(var, "").partition(":")
            c.check(host in services and p == str(SERVICES.get(host)), f"CronJob: {var} is not a Service")
        out = [vm for vm in ctr.get("volumeMounts") or [] if vm["mountPath"] == "/var/lib/luban-report"]
        c.check(len(out) == 1, "the CronJob does not mount /var/lib/luban-report")
        if out:
            vol = {v["name"]: v for v in spec.get("volumes") or []}.get(out[0]["name"], {})
            claim = (vol.get("persistentVolumeClaim") or {}).get("claimName")
            c.check(claim in by_kind.get("PersistentVolumeClaim", {}) or "emptyDir" in vol,
                    "the report's volume is neither a rendered PVC nor an emptyDir")
    return c.finish()


def selects(selector, labels):
    """Whether a matchLabels selector (or a Service's plain one) selects pods with `labels`."""
    selector = selector or {}
    selector = selector.get("matchLabels", selector) if isinstance(selector, dict) else {}
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def on_hostname(terms, labels):
    """Whether one of the affinity or spread terms keeps pods with `labels` apart per node."""
    return any(t.get("topologyKey") == "kubernetes.io/hostname" and selects(t.get("labelSelector"), labels)
               for t in terms or [])


def cert_names(root, service):
    """The DNS names scripts/tls-certs gives a service's certificate (LUBAN_CERT_DOMAIN's aside)."""
    with open(os.path.join(root, "scripts/tls-certs"), encoding="utf-8") as f:
        m = re.search(r"^subjectAltName=(.*)$", f.read(), re.M)
    if not m:
        return set()
    names = {n.replace("$name", service) for n in re.findall(r"DNS:([\w.$-]+)", m.group(1))}
    return {n for n in names if "$" not in n}


def cnf_settings(text):
    """{(group, option): value} of a MariaDB option file; '-' and '_' alike in option names."""
    out, group = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            continue
        key, eq, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[(group, key.strip().lower().replace("-", "_"))] = value if eq else None
    return out


def shell_commands(text):
    """A shell script's lines without comments and blank lines."""
    return [line.rstrip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def check_k8s_peers(c, root, overlay, by_kind, env_of):
    """The services' peer targets (LUBAN_COURSE_TARGET, LUBAN_ENROLLMENT_TARGET): a rendered Service
    of the peer's pods and its gRPC port, under a name the peer's certificate carries (the callers
    check it: scripts/tls-certs). In ha: dns:/// and a headless Service, so that gRPC's round_robin
    reaches every replica."""
    deployments = by_kind.get("Deployment", {})
    services = by_kind.get("Service", {})
    for svc in SERVICES:
        d = deployments.get(svc)
        if d is None:
            continue
        env = env_of(d["spec"]["template"]["spec"]["containers"][0])
        for var in ["LUBAN_COURSE_TARGET", "LUBAN_ENROLLMENT_TARGET"]:
            if var not in env:
                continue
            peer = var[len("LUBAN_"):-len("_TARGET")].lower()
            m = re.fullmatch(r"(dns:///)?([\w.-]+):(\d+)", env[var])
            if not c.check(m is not None, f"{svc}: {var}={env[var]} is not [dns:///]host:port"):
                continue
            host, port = m.group(2), int(m.group(3))
            c.check(host in cert_names(root, peer),
                    f"{svc}: {var} dials {host}, a name {peer}'s certificate does not carry "
                    f"({sorted(cert_names(root, peer))}, scripts/tls-certs)")
            s = services.get(host)
            peer_pods = (deployments.get(peer) or {}).get("spec", {}).get("template", {}) \
                .get("metadata", {}).get("labels", {})
            if not c.check(s is not None, f"{svc}: {var} names no rendered Service {host}"):
                continue
            c.check(selects(s["spec"].get("selector"), peer_pods),
                    f"{svc}: {var}: Service {host} does not select {peer}'s pods")
            grpc = [p for p in s["spec"].get("ports") or []
                    if p.get("port") == port and p.get("targetPort") == "grpc"]
            c.check(port == SERVICES[peer] and grpc,
                    f"{svc}: {var}: Service {host} has no port {port} to {peer}'s grpc")
            if overlay == "ha":
                c.check(m.group(1) is not None and s["spec"].get("clusterIP") == "None",
                        f"ha: {svc}: {var} is not dns:/// and a headless Service (one connection "
                        f"through a ClusterIP reaches one replica)")


def check_k8s_database(c, root, by_kind, env_of):
    """A database run in the cluster (a StatefulSet of the mariadb image: a Galera cluster): its
    Services, budget, spread, volumes and readiness; its settings and first-start SQL the same as
    deploy/mariadb's (the overlay holds copies: kustomize reads no file outside it); the services'
    LUBAN_DB_HOST listing every member; the services' password Secrets given to it."""
    statefulsets = by_kind.get("StatefulSet", {})
    services = by_kind.get("Service", {})
    configmaps = by_kind.get("ConfigMap", {})
    deployments = by_kind.get("Deployment", {})
    with open(os.path.join(root, "deploy/compose.yaml"), encoding="utf-8") as f:
        db_image = ((yaml.safe_load(f).get("services") or {}).get("mariadb") or {}).get("image")
    for name, ss in statefulsets.items():
        where = f"StatefulSet/{name}"
        spec = ss["spec"]
        pod = spec["template"]["spec"]
        labels = spec["template"]["metadata"]["labels"]
        c.check(selects(spec["selector"], labels), f"{where}: selector does not match its pods")
        replicas = spec.get("replicas", 1)
        headless = services.get(spec.get("serviceName", ""))
        if c.check(headless is not None,
                   f"{where}: serviceName {spec.get('serviceName')} is not a Service"):
            c.check(headless["spec"].get("clusterIP") == "None"
                    and headless["spec"].get("publishNotReadyAddresses") is True,
                    f"{where}: Service {headless['metadata']['name']} is not headless with "
                    f"publishNotReadyAddresses (members find each other while they start)")
            c.check(selects(headless["spec"].get("selector"), labels),
                    f"{where}: Service {headless['metadata']['name']} does not select its pods")
        pdbs = [p for p in by_kind.get("PodDisruptionBudget", {}).values()
                if selects(p["spec"].get("selector"), labels)]
        if c.check(len(pdbs) == 1, f"{where}: {len(pdbs)} PodDisruptionBudgets select its pods"):
            budget = pdbs[0]["spec"]
            least = budget.get("minAvailable")
            c.check(budget.get("maxUnavailable") == 1 or (isinstance(least, int) and least >= replicas - 1),
                    f"{where}: its budget lets more than one member go")
        anti = (pod.get("affinity") or {}).get("podAntiAffinity") or {}
        c.check(on_hostname(anti.get("requiredDuringSchedulingIgnoredDuringExecution"), labels),
                f"{where}: no required anti-affinity on kubernetes.io/hostname (members on one node)")
        claims = {t["metadata"]["name"] for t in spec.get("volumeClaimTemplates") or []}
        c.check(bool(claims), f"{where}: no volumeClaimTemplates")
        ctr = pod["containers"][0]
        mounts = {vm["mountPath"].rstrip("/"): vm["name"] for vm in ctr.get("volumeMounts") or []}
        volumes = {v["name"]: v for v in pod.get("volumes") or []}
        image = ctr.get("image", "")
        if not image.startswith("mariadb:"):
            continue
        # --- a MariaDB (Galera) cluster ---
        c.check(image == db_image, f"{where}: image {image} is not compose's {db_image}")
        c.check(replicas >= 3 and replicas % 2 == 1, f"{where}: {replicas} members (an odd number, "
                                                     f"3 or more, keeps a quorum after a loss)")
        c.check(spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady",
                f"{where}: podManagementPolicy is not OrderedReady")
        c.check(mounts.get("/var/lib/mysql") in claims, f"{where}: /var/lib/mysql is not a claim")
        probe = json.dumps((ctr.get("readinessProbe") or {}).get("exec") or {})
        c.check("wsrep_ready" in probe and "Synced" in probe,
                f"{where}: the readiness probe does not check wsrep_ready and Synced")
        files = {}   # file name -> (text, mode) of the ConfigMaps it mounts, by mount path
        for path, vm_name in mounts.items():
            cm = (volumes.get(vm_name) or {}).get("configMap")
            if cm and cm.get("name") in configmaps:
                for key, text in (configmaps[cm["name"]].get("data") or {}).items():
                    files[f"{path}/{key}"] = (text, cm.get("defaultMode", 0o644))
        by_base = {}
        for path, item in files.items():
            by_base.setdefault(os.path.basename(path), []).append((path, item))
        for base in ["my.cnf", "galera.cnf"]:
            with open(os.path.join(root, "deploy/mariadb", base), encoding="utf-8") as f:
                want = cnf_settings(f.read())
            found = by_base.get(base, [])
            if c.check(len(found) == 1, f"{where}: mounts {len(found)} ConfigMap files {base}"):
                have = cnf_settings(found[0][1][0])
                diff = sorted(set(have.items()) ^ set(want.items()))
                c.check(not diff, f"{where}: {base} differs from deploy/mariadb/{base}: {diff}")
        init = os.path.join(root, "deploy/mariadb/initdb/10-luban-schemas.sh")
        with open(init, encoding="utf-8") as f:
            want = shell_commands(f.read())
        path = "/docker-entrypoint-initdb.d/10-luban-schemas.sh"
        if c.check(path in files, f"{where}: no {path} (the schemas and users)"):
            c.check(shell_commands(files[path][0]) == want,
                    f"{where}: {path} differs from deploy/mariadb/initdb/10-luban-schemas.sh")
            c.check(files[path][1] & 0o111 == 0,
                    f"{where}: {path} is executable (the entry point must source it)")
        secrets = set()
        for v in volumes.values():
            if "secret" in v:
                secrets.add(v["secret"].get("secretName"))
            for source in (v.get("projected") or {}).get("sources") or []:
                if "secret" in source:
                    secrets.add(source["secret"].get("name"))
        members = [f"{name}-{i}.{spec.get('serviceName')}" for i in range(replicas)]
        ports = {p["name"]: p.get("port")
                 for p in (headless or {}).get("spec", {}).get("ports") or []}
        for svc in SERVICES:
            d = deployments.get(svc)
            if d is None:
                continue
            env = env_of(d["spec"]["template"]["spec"]["containers"][0])
            hosts = []
            for entry in env.get("LUBAN_DB_HOST", "").split(","):
                host, _, port = entry.strip().partition(":")
                hosts.append(host)
                port = port or env.get("LUBAN_DB_PORT", "3306")
                c.check(port.isdigit() and int(port) == ports.get("mysql"),
                        f"{svc}: database host {entry} is not at {name}'s mysql port")
            listed = [m for m in members if any(h == m or h.startswith(m + ".") for h in hosts)]
            c.check(listed == members and len(hosts) == len(members),
                    f"{svc}: LUBAN_DB_HOST {env.get('LUBAN_DB_HOST')} does not list the members "
                    f"{members}")
            own = {v["secret"]["secretName"]
                   for v in d["spec"]["template"]["spec"].get("volumes") or []
                   if "secret" in v and v["secret"].get("secretName", "").startswith("luban-db-")}
            c.check(own <= secrets, f"{where}: does not get {sorted(own - secrets)}, the password "
                                    f"Secret of {svc}'s user")


def check_k8s_ha(c, by_kind):
    """The ha overlay: the database in the namespace; two replicas at least of each service and of
    the console, spread over nodes (required anti-affinity, or preferred and a spread constraint)."""
    deployments = by_kind.get("Deployment", {})
    hpas = by_kind.get("HorizontalPodAutoscaler", {})
    images = [ss["spec"]["template"]["spec"]["containers"][0].get("image", "")
              for ss in by_kind.get("StatefulSet", {}).values()]
    c.check(any(i.startswith("mariadb:") for i in images), "ha: no database StatefulSet")
    for name in [*SERVICES, "console"]:
        d = deployments.get(name)
        if d is None:
            continue
        hpa = hpas.get(name)
        least = hpa["spec"]["minReplicas"] if hpa is not None else d["spec"].get("replicas", 1)
        c.check(least >= 2, f"ha: {name} may run {least} replica")
        spec = d["spec"]["template"]["spec"]
        labels = d["spec"]["template"]["metadata"]["labels"]
        anti = (spec.get("affinity") or {}).get("podAntiAffinity") or {}
        required = on_hostname(anti.get("requiredDuringSchedulingIgnoredDuringExecution"), labels)
        preferred = on_hostname([t.get("podAffinityTerm") or {} for t in
                                 anti.get("preferredDuringSchedulingIgnoredDuringExecution") or []], labels)
        spread = on_hostname(spec.get("topologySpreadConstraints"), labels)
        c.check(required or (preferred and spread),
                f"ha: {name} has neither required anti-affinity on kubernetes.io/hostname nor "
                f"preferred anti-affinity with a spread constraint over nodes")


def check_k8s_console(c, root, overlay, by_kind, env_of):
    """The console's gateway in Kubernetes: settings (web/gateway/config.ts) and the files they
    name mounted from its own TLS Secret, HTTP probes of /healthz, its Service, and sessions that
    live in one pod's memory (affinity, no autoscaler, two pods in prod)."""
    d = by_kind.get("Deployment", {}).get("console")
    if not c.check(d is not None, "no Deployment console"):
        return
    services = by_kind.get("Service", {})
    spec = d["spec"]["template"]["spec"]
    ctr = spec["containers"][0]
    env = env_of(ctr)
    labels = d["spec"]["template"]["metadata"]["labels"]
    c.check(all(labels.get(k) == v for k, v in d["spec"]["selector"]["matchLabels"].items()),
            "Deployment console: selector does not match its pods")
    read, required = gateway_settings(root)
    check_gateway_env(c, "console", env, read, required)
    for var in ["LUBAN_COURSE_ADDR", "LUBAN_ENROLLMENT_ADDR", "LUBAN_EXCHANGE_ADDR"]:
        host = env.get(var, "").partition(":")[0]
        c.check(host in services, f"console: {var} names no rendered Service")

    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    mounts = {vm["mountPath"].rstrip("/"): vm["name"] for vm in ctr.get("volumeMounts") or []}

    def secret_of(path):
        """The Secret whose volume holds file `path`, or None."""
        for mount, name in mounts.items():
            if path.startswith(mount + "/"):
                return ((volumes.get(name) or {}).get("secret") or {}).get("secretName")
        return None

    # The services require client certificates (LUBAN_TLS_CLIENT_CA): so must the gateway have one.
    mutual = any("LUBAN_TLS_CLIENT_CA" in env_of(dep["spec"]["template"]["spec"]["containers"][0])
                 for name, dep in by_kind.get("Deployment", {}).items() if name in SERVICES)
    for var in ["LUBAN_TLS_CA"] + (["LUBAN_TLS_CERT", "LUBAN_TLS_KEY"] if mutual else []):
        c.check(var in env and secret_of(env[var]) is not None,
                f"console: {var} is not a file of a mounted Secret")
    secret = secret_of(env.get("LUBAN_TLS_CERT", ""))
    c.check(secret not in {f"luban-tls-{svc}" for svc in SERVICES},
            f"console: presents a service's certificate (Secret {secret})")
    extra = [v["secret"]["secretName"] for v in volumes.values()
             if "secret" in v and SERVICE_ONLY_SECRETS.match(v["secret"].get("secretName", ""))]
    extra += [e["valueFrom"]["secretKeyRef"]["name"] for e in ctr.get("env") or []
              if SERVICE_ONLY_SECRETS.match(
                  ((e.get("valueFrom") or {}).get("secretKeyRef") or {}).get("name", ""))]
    c.check(not extra, f"console: gets the services' secrets {extra}")

    ports = {p["name"]: p["containerPort"] for p in ctr.get("ports") or []}
    c.check(str(ports.get("http")) == str(env.get("LUBAN_CONSOLE_PORT")),
            f"console: container port http {ports.get('http')} is not LUBAN_CONSOLE_PORT")
    for probe in ["startupProbe", "readinessProbe", "livenessProbe"]:
        get = (ctr.get(probe) or {}).get("httpGet") or {}
        c.check(get.get("path") == "/healthz" and get.get("port") in ("http", ports.get("http")),
                f"console: {probe} does not GET /healthz on port http")
    res = ctr.get("resources") or {}
    for kind, least in [("requests", 64), ("limits", 128)]:
        memory = (res.get(kind) or {}).get("memory")
        # Node.js: ~67 MB resident idle, serving the console (docs/console.md).
        c.check(memory is not None and quantity(memory, True) >= least * 2**20,
                f"console: {kind}.memory {memory} under {least}Mi")

    s = services.get("console")
    if c.check(s is not None, "no Service console"):
        c.check(s["spec"].get("type", "ClusterIP") == "ClusterIP",
                "Service console is not ClusterIP")
        c.check(all(labels.get(k) == v for k, v in s["spec"]["selector"].items()),
                "Service console: selector does not match the Deployment's pods")
        sp = {p["name"]: p for p in s["spec"]["ports"]}
        c.check("http" in sp and sp["http"].get("targetPort") in ("http", ports.get("http")),
                f"Service console: ports are {sorted(sp)}, no http to the container's")
    replicas = d["spec"].get("replicas", 1)
    c.check("console" not in by_kind.get("HorizontalPodAutoscaler", {}),
            "console: an autoscaler (scaling in ends the sessions of the pods it removes)")
    if replicas > 1 and s is not None:
        c.check(s["spec"].get("sessionAffinity") == "ClientIP",
                "Service console: several pods without sessionAffinity ClientIP (a session is in "
                "one pod's memory)")
    pdbs = [p for p in by_kind.get("PodDisruptionBudget", {}).values()
            if all(labels.get(k) == v for k, v in p["spec"]["selector"]["matchLabels"].items())]
    c.check(len(pdbs) == 1, f"console: {len(pdbs)} PodDisruptionBudgets select its pods")
    if overlay == "dev":
        c.check(replicas == 1, f"dev: console has {replicas} replicas, not 1")
    if overlay == "prod":
        c.check(replicas >= 2, f"prod: console has {replicas} replica, so no machine may fail")


def main(argv):
    if len(argv) >= 3 and argv[1] == "dockerfile":
        return check_dockerfile(argv[2])
    if len(argv) == 6 and argv[1] == "compose":
        return check_compose(*argv[2:])
    if len(argv) == 5 and argv[1] == "k8s":
        return check_k8s(*argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
