"""White-box evidence: what the models' own activations and weights say about a fine-tune.

For models ftaudit can load (local models and LoRA adapters on them): the base's refusal
direction and harmfulness probe (:mod:`.direction`), the fine-tune's drop along it, the probe
over the job's training prompts, the adapter's weight update (:mod:`.analysis`), scored against
benign fine-tunes (:mod:`.calibration`). Forward passes only; nothing is generated except a
short refusal check of the base.
"""
