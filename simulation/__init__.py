"""Simulated election-day input: printed C.Hasil-KWK forms, handwriting and phone photos.

Everything here is a test and training fixture for the reader: it renders the official form
layout, fills it with plausible (or deliberately wrong) numbers in many hands, and photographs
it the way a KPPS officer's phone would, keeping the ground truth of every step.
"""
