"""PIL / torchvision reference for the image tests (org.lcl.models.data.image).

Run with Debian's /usr/bin/python3 (python3-pil, python3-torchvision):

  image_reference.py check
      exits 0 when PIL, torch and torchvision import (prints their versions)
  image_reference.py make-images STAMPS_DIR OUT_DIR COUNT
      writes the test images: COUNT real PNG stamps from Tux Paint (as shipped, mixed
      RGBA / LA / P modes), and files derived from them with PIL: JPEGs (baseline 4:2:0,
      progressive, 4:4:4, grayscale, CMYK), WebP (lossy, lossless with alpha), PNGs in other
      modes (L, P, 16-bit gray / gray+alpha / RGB / RGBA). Prints one "path<TAB>mode" per line.
  image_reference.py run JOBS_JSONL OUT_DIR
      one job per line: {"id", "path", "op": "decode" | "eval" | "train", "size", "crop"}.
      decode writes Image.open(path).convert("RGB") as raw RGB bytes (OUT_DIR/ID.rgb, with
      its size in OUT_DIR/ID.size); eval writes OpenCLIP's eval transform (Resize(size,
      BICUBIC), CenterCrop(size), ToTensor, Normalize(OpenAI)) as raw float32 CHW (ID.f32);
      train writes torchvision's resized_crop(img, top, left, h, w, [size, size], BICUBIC)
      + ToTensor + Normalize for the given crop [top, left, h, w] (ID.f32).
"""
import json
import os
import sys

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


def check():
    import PIL
    import torch
    import torchvision

    print(f"PIL {PIL.__version__} torch {torch.__version__} torchvision {torchvision.__version__}")


def make_images(stamps, out, count):
    import numpy as np
    from PIL import Image

    os.makedirs(out, exist_ok=True)
    pngs = sorted(
        os.path.join(d, f) for d, _, fs in os.walk(stamps) for f in fs if f.lower().endswith(".png")
    )
    if not pngs:
        sys.exit(f"no PNG files under {stamps}")
    step = max(1, len(pngs) // count)
    chosen = pngs[::step][:count]
    rows = []

    def add(path, im_mode):
        rows.append(f"{path}\t{im_mode}")

    for n, src in enumerate(chosen):
        im = Image.open(src)
        im.load()
        add(src, im.mode)  # the stamp itself, as shipped
        if n % 3:
            continue
        # A photo-like RGB version, scaled to 300-600 px so that the transforms also downscale.
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(white, rgba).convert("RGB")
        w, h = rgb.size
        longer = 300 + (n * 37) % 300
        size = (longer, max(8, round(h * longer / w))) if w >= h else (max(8, round(w * longer / h)), longer)
        big = rgb.resize(size, Image.BICUBIC)
        base = os.path.join(out, f"{n:03d}")
        big.save(base + "_q90.jpg", quality=90)
        add(base + "_q90.jpg", "RGB")
        if n % 2 == 0:
            big.save(base + "_prog.jpg", quality=85, progressive=True)
            add(base + "_prog.jpg", "RGB")
            big.save(base + "_444.jpg", quality=95, subsampling=0)
            add(base + "_444.jpg", "RGB")
            big.convert("L").save(base + "_gray.jpg", quality=90)
            add(base + "_gray.jpg", "L")
            big.convert("CMYK").save(base + "_cmyk.jpg", quality=90)
            add(base + "_cmyk.jpg", "CMYK")
            big.save(base + "_lossy.webp", quality=80)
            add(base + "_lossy.webp", "RGB")
            rgba.save(base + "_lossless.webp", lossless=True, exact=True)
            add(base + "_lossless.webp", "RGBA")
            big.convert("L").save(base + "_L.png")
            add(base + "_L.png", "L")
            big.convert("P", palette=Image.ADAPTIVE, colors=200).save(base + "_P.png")
            add(base + "_P.png", "P")
            big.convert("1").save(base + "_1.png")
            add(base + "_1.png", "1")
            a = np.asarray(big).astype(np.uint16)
            g16 = np.asarray(big.convert("L")).astype(np.uint16) * 2  # PIL clips mode I to 255 in convert("RGB")
            Image.fromarray(g16.astype(np.uint16), mode="I;16").save(base + "_I16.png")
            add(base + "_I16.png", "I;16")
            rows.extend(save_16bit_png(base, a * 256 + (a % 7) * 37, np.asarray(rgba.resize(big.size))[..., 3].astype(np.uint16) * 257))
    print("\n".join(rows))


def save_16bit_png(base, rgb16, alpha16):
    """16-bit RGB, RGBA and gray+alpha PNGs, written by hand (PIL cannot write them)."""
    import struct
    import zlib

    import numpy as np

    def write(path, arr, color_type):
        h, w = arr.shape[:2]
        raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        ihdr = struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0)
        with open(path, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

    out = []
    write(base + "_rgb16.png", rgb16, 2)
    out.append(f"{base}_rgb16.png\tRGB16")
    write(base + "_rgba16.png", np.dstack([rgb16, alpha16]), 6)
    out.append(f"{base}_rgba16.png\tRGBA16")
    gray = rgb16[..., 1]
    write(base + "_la16.png", np.dstack([gray, alpha16]), 4)
    out.append(f"{base}_la16.png\tLA16")
    return out


def run(jobs_path, out):
    import torch
    from PIL import Image
    from torchvision import transforms as T
    from torchvision.transforms import functional as F

    torch.set_num_threads(1)
    os.makedirs(out, exist_ok=True)
    bicubic = T.InterpolationMode.BICUBIC
    tail = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])
    with open(jobs_path) as f:
        for line in f:
            if not line.strip():
                continue
            job = json.loads(line)
            base = os.path.join(out, job["id"])
            img = Image.open(job["path"]).convert("RGB")
            op = job["op"]
            if op == "decode":
                with open(base + ".rgb", "wb") as g:
                    g.write(img.tobytes())
                with open(base + ".size", "w") as g:
                    g.write(f"{img.size[0]} {img.size[1]}")
                continue
            size = job["size"]
            if op == "eval":
                x = T.Compose([T.Resize(size, interpolation=bicubic), T.CenterCrop(size)])(img)
            elif op == "train":
                top, left, h, w = job["crop"]
                x = F.resized_crop(img, top, left, h, w, [size, size], interpolation=bicubic)
            else:
                raise ValueError(op)
            t = tail(x).contiguous().numpy().astype("<f4")
            with open(base + ".f32", "wb") as g:
                g.write(t.tobytes())


def main():
    cmd = sys.argv[1]
    if cmd == "check":
        check()
    elif cmd == "make-images":
        make_images(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "run":
        run(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
