"""Shared test setup: one torch thread, as the runs themselves use. Two threads are about ten
times slower when the other core is busy, and the whole suite has a budget of ten minutes."""
import torch

torch.set_num_threads(1)
