"""The reference side of `scripts/bench data-pipeline`: OpenCLIP's train transform in PIL +
torchvision (Debian python3-pil, python3-torchvision), fed by a torch DataLoader with N worker
processes, as OpenCLIP's CsvDataset feeds it: Image.open(path) -> RandomResizedCrop(224,
scale=(0.9, 1.0), interpolation=BICUBIC) -> convert("RGB") -> ToTensor -> Normalize(OpenAI),
batches collated by the DataLoader.

Usage: reference.py LIST_FILE --workers 2 --batch 64 --passes 3 --size 224
LIST_FILE holds one image path per line. One untimed warm-up pass, then the timed passes;
prints `images=<n> seconds=<s> img_per_s=<r>`.
"""
import argparse
import time

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms as T

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


def _convert_to_rgb(image):
    return image.convert("RGB")


class Files(Dataset):
    def __init__(self, paths, transform):
        self.paths = paths
        self.transform = transform

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        return self.transform(Image.open(self.paths[i]))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("list")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--passes", type=int, default=3)
    p.add_argument("--size", type=int, default=224)
    a = p.parse_args()
    with open(a.list) as f:
        paths = [line.strip() for line in f if line.strip()]
    # OpenCLIP's image_transform(is_train=True) with the default aug_cfg
    transform = T.Compose([
        T.RandomResizedCrop(a.size, scale=(0.9, 1.0), interpolation=T.InterpolationMode.BICUBIC),
        _convert_to_rgb,
        T.ToTensor(),
        T.Normalize(mean=MEAN, std=STD),
    ])
    loader = DataLoader(Files(paths, transform), batch_size=a.batch, num_workers=a.workers,
                        shuffle=False, drop_last=False, persistent_workers=True)
    checksum = 0.0
    for batch in loader:  # warm-up: starts the workers, fills the page cache
        checksum += float(batch[0, 0, 0, 0])
    n = 0
    start = time.perf_counter()
    for _ in range(a.passes):
        for batch in loader:
            n += batch.shape[0]
            checksum += float(batch[0, 0, 0, 0])
    seconds = time.perf_counter() - start
    print(f"images={n} seconds={seconds:.3f} img_per_s={n / seconds:.1f} checksum={checksum:.3f}")


if __name__ == "__main__":
    main()
