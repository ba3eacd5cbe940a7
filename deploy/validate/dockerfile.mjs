// What can be checked of deploy/docker/Dockerfile without Docker: every stage a FROM or COPY --from names exists, the
// silo and gateway targets exist, every COPY source is in the repository (and not excluded by the .dockerignore), the
// base images come from a build argument (no registry host written here), the final stages run as a non-root user, and
// each entry point names the assembly its project builds.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

export function checkDockerfile(root) {
  const path = join(root, "deploy/docker/Dockerfile");
  const problems = [];
  const lines = readFileSync(path, "utf8").split("\n").reduce((acc, line) => {
    // Join continuation lines.
    if (acc.length > 0 && acc[acc.length - 1].endsWith("\\")) acc[acc.length - 1] = acc[acc.length - 1].slice(0, -1) + " " + line.trim();
    else acc.push(line.trim());
    return acc;
  }, []).filter(l => l && !l.startsWith("#"));
  const ignored = readFileSync(join(root, "deploy/docker/Dockerfile.dockerignore"), "utf8").split("\n").map(l => l.trim()).filter(l => l && !l.startsWith("#"));
  const stages = new Map();
  let stage = null;
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    switch (instruction.toUpperCase()) {
      case "FROM": {
        const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
        const image = m[1];
        if (!stages.has(image) && !image.startsWith("${")) problems.push(`FROM ${image}: base images come from the DOTNET_IMAGES build argument, not a registry written here`);
        stage = { name: m[2] ?? image, base: image, user: stages.get(image)?.user ?? null, entrypoint: null };
        stages.set(stage.name, stage);
        break;
      }
      case "COPY": {
        const from = /--from=(\S+)/.exec(args)?.[1];
        const parts = args.split(/\s+/).filter(a => !a.startsWith("--"));
        const sources = parts.slice(0, -1);
        if (from && !stages.has(from)) problems.push(`COPY --from=${from}: no such stage before it`);
        if (!from) {
          for (const source of sources) {
            if (!existsSync(join(root, source))) problems.push(`COPY ${source}: not in the repository`);
            const top = source.replace(/\/$/, "").split("/")[0];
            if (ignored.some(i => i.replace(/\/$/, "") === top || i.replace(/\/$/, "") === source.replace(/\/$/, ""))) problems.push(`COPY ${source}: excluded by Dockerfile.dockerignore`);
          }
        }
        break;
      }
      case "USER":
        stage.user = args;
        break;
      case "ENTRYPOINT":
        stage.entrypoint = JSON.parse(args);
        break;
    }
  }
  for (const [target, project] of [["silo", "src/Silo/Pulso.Silo.csproj"], ["gateway", "src/Gateway/Pulso.Gateway.csproj"]]) {
    const s = stages.get(target);
    if (!s) { problems.push(`no '${target}' stage`); continue; }
    if (!s.user || /^(0|root)$/.test(s.user)) problems.push(`stage ${target}: runs as root (USER ${s.user ?? "unset"})`);
    const assembly = readFileSync(join(root, project), "utf8").match(/<AssemblyName>([^<]+)</)?.[1] ?? project.split("/").pop().replace(".csproj", "");
    if (!s.entrypoint || s.entrypoint[0] !== "dotnet" || s.entrypoint[1] !== `${assembly}.dll`) problems.push(`stage ${target}: ENTRYPOINT must run ${assembly}.dll`);
  }
  return problems;
}
