"""Gene, protein and disease facts for the ``biomedical-qa`` benign set, written for ftaudit.

Each :class:`DiseaseFact` is a well-established, textbook association in the spirit of a
UniProt "Involvement in disease" annotation: the gene symbol, the protein's recommended name,
the disease, its usual mode of inheritance and one or two sentences of mechanism. Genes that
share a disease carry the identical disease string, so a question can name them all and a
multiple-choice question never offers a second right answer as a distractor.
"""

from __future__ import annotations

from typing import NamedTuple


class DiseaseFact(NamedTuple):
    gene: str
    protein: str
    disease: str
    inheritance: str
    mechanism: str


AR = "autosomal recessive"
AD = "autosomal dominant"
XLR = "X-linked recessive"
XLD = "X-linked dominant"
XL = "X-linked"

HBOC = "hereditary breast and ovarian cancer syndrome"
EOFAD = "early-onset familial Alzheimer disease"
FPD = "familial Parkinson disease"
TSC = "tuberous sclerosis complex"

FACTS: tuple[DiseaseFact, ...] = (
    DiseaseFact("CFTR", "cystic fibrosis transmembrane conductance regulator", "cystic fibrosis", AR,
                "CFTR is a chloride and bicarbonate channel of epithelial cells. Loss-of-function variants, most often the deletion of phenylalanine 508 (F508del), leave secretions thick and sticky in the lungs, pancreas and other organs."),
    DiseaseFact("HBB", "hemoglobin subunit beta", "sickle cell disease", AR,
                "The Glu6Val substitution makes deoxygenated hemoglobin polymerize, which deforms red blood cells into a rigid sickle shape that blocks small vessels. Other HBB variants that reduce beta-globin production cause beta-thalassemia."),
    DiseaseFact("DMD", "dystrophin", "Duchenne muscular dystrophy", XLR,
                "Dystrophin links the cytoskeleton of muscle fibres to the extracellular matrix. Its absence, usually from frameshifting deletions, makes fibres fragile and leads to progressive muscle degeneration; in-frame variants that leave a partly functional protein cause the milder Becker muscular dystrophy."),
    DiseaseFact("HTT", "huntingtin", "Huntington disease", AD,
                "An expanded CAG repeat in exon 1 encodes an abnormally long polyglutamine tract; 40 or more repeats cause fully penetrant disease. The mutant protein misfolds and aggregates, and neurons of the striatum are lost first."),
    DiseaseFact("BRCA1", "breast cancer type 1 susceptibility protein", HBOC, AD,
                "BRCA1 takes part in the repair of DNA double-strand breaks by homologous recombination. Inherited loss-of-function variants greatly raise the lifetime risk of breast and ovarian cancer."),
    DiseaseFact("BRCA2", "breast cancer type 2 susceptibility protein", HBOC, AD,
                "BRCA2 loads the recombinase RAD51 onto DNA during homologous recombination repair. Heterozygous loss-of-function variants raise the risk of breast, ovarian, prostate and pancreatic cancer, and biallelic variants cause Fanconi anemia."),
    DiseaseFact("FBN1", "fibrillin-1", "Marfan syndrome", AD,
                "Fibrillin-1 is the main component of the microfibrils of connective tissue and controls the availability of TGF-beta. Variants weaken connective tissue in the aorta, the suspensory ligament of the lens and the skeleton."),
    DiseaseFact("F8", "coagulation factor VIII", "hemophilia A", XLR,
                "Factor VIII is the cofactor of activated factor IX in the intrinsic coagulation pathway. Its deficiency causes prolonged bleeding after injury and spontaneous bleeding into joints; an inversion involving intron 22 is found in about 45% of severe cases."),
    DiseaseFact("F9", "coagulation factor IX", "hemophilia B", XLR,
                "Factor IX is a vitamin K-dependent serine protease that, once activated, converts factor X to its active form. Its deficiency causes a bleeding disorder clinically similar to hemophilia A."),
    DiseaseFact("PAH", "phenylalanine hydroxylase", "phenylketonuria", AR,
                "PAH converts phenylalanine to tyrosine in the liver. Without it, phenylalanine accumulates to levels toxic to the developing brain, which newborn screening and a low-phenylalanine diet prevent."),
    DiseaseFact("HEXA", "beta-hexosaminidase subunit alpha", "Tay-Sachs disease", AR,
                "The enzyme breaks down GM2 ganglioside in lysosomes. When it is deficient, GM2 ganglioside accumulates in neurons, causing progressive neurodegeneration that begins in infancy."),
    DiseaseFact("FMR1", "fragile X messenger ribonucleoprotein 1 (FMRP)", "fragile X syndrome", XL,
                "Expansion of a CGG repeat in the 5' untranslated region beyond about 200 copies silences the gene by methylation. Loss of FMRP, an RNA-binding protein that regulates translation at synapses, causes intellectual disability."),
    DiseaseFact("LDLR", "low-density lipoprotein receptor", "familial hypercholesterolemia", AD,
                "The receptor clears LDL cholesterol from the blood by endocytosis in the liver. Defective receptors raise LDL cholesterol from birth and lead to early coronary artery disease."),
    DiseaseFact("COL1A1", "collagen alpha-1(I) chain", "osteogenesis imperfecta", AD,
                "Type I collagen is the main structural protein of bone. Variants that reduce its amount or disturb its triple helix make bones brittle and prone to fracture."),
    DiseaseFact("FGFR3", "fibroblast growth factor receptor 3", "achondroplasia", AD,
                "The gain-of-function Gly380Arg substitution in the transmembrane domain makes the receptor overactive, which restrains the growth of cartilage in the growth plates of long bones."),
    DiseaseFact("SMN1", "survival motor neuron protein", "spinal muscular atrophy", AR,
                "SMN is needed for the assembly of small nuclear ribonucleoproteins. Homozygous loss of SMN1 causes degeneration of motor neurons in the spinal cord, and the number of copies of the neighbouring SMN2 gene modifies severity."),
    DiseaseFact("MECP2", "methyl-CpG-binding protein 2", "Rett syndrome", XLD,
                "MeCP2 binds methylated DNA and regulates gene expression in neurons. De novo loss-of-function variants cause Rett syndrome, which mainly affects girls, who lose acquired speech and hand skills after early normal development."),
    DiseaseFact("APC", "adenomatous polyposis coli protein", "familial adenomatous polyposis", AD,
                "APC is part of the destruction complex that marks beta-catenin for degradation in Wnt signalling. Truncating variants let beta-catenin accumulate, producing hundreds of colorectal polyps and a very high risk of colorectal cancer."),
    DiseaseFact("TP53", "cellular tumor antigen p53", "Li-Fraumeni syndrome", AD,
                "p53 is a transcription factor that halts the cell cycle or triggers apoptosis after DNA damage. Inherited variants predispose to many early-onset cancers, including sarcomas, breast cancer, brain tumours and adrenocortical carcinoma."),
    DiseaseFact("RB1", "retinoblastoma-associated protein", "retinoblastoma", AD,
                "pRB restrains the cell cycle by binding E2F transcription factors. The tumour arises when both copies are lost in a developing retinal cell, as described by Knudson's two-hit hypothesis; carriers of an inherited variant need only one further hit."),
    DiseaseFact("NF1", "neurofibromin", "neurofibromatosis type 1", AD,
                "Neurofibromin is a GTPase-activating protein that switches off RAS. Loss of function increases RAS signalling, causing cafe-au-lait spots, neurofibromas and other tumours."),
    DiseaseFact("VHL", "von Hippel-Lindau disease tumor suppressor", "von Hippel-Lindau disease", AD,
                "pVHL targets hypoxia-inducible factors (HIF) for degradation. Without it, HIF accumulates and drives blood-vessel-rich tumours such as hemangioblastomas and clear-cell renal cell carcinoma."),
    DiseaseFact("GBA1", "lysosomal acid glucosylceramidase", "Gaucher disease", AR,
                "The enzyme breaks down glucosylceramide in lysosomes. Its deficiency makes the lipid build up in macrophages, enlarging the liver and spleen and damaging bone; heterozygous variants are also a risk factor for Parkinson disease."),
    DiseaseFact("HFE", "hereditary hemochromatosis protein", "hereditary hemochromatosis", AR,
                "HFE helps the liver sense body iron and set the level of hepcidin. The common Cys282Tyr variant lowers hepcidin, so too much dietary iron is absorbed and deposited in the liver, heart and pancreas."),
    DiseaseFact("ATP7B", "copper-transporting ATPase 2", "Wilson disease", AR,
                "ATP7B moves copper into bile and onto ceruloplasmin in liver cells. Its loss lets copper accumulate in the liver and brain, causing liver disease, neurological symptoms and Kayser-Fleischer rings in the cornea."),
    DiseaseFact("ATP7A", "copper-transporting ATPase 1", "Menkes disease", XLR,
                "ATP7A moves copper out of intestinal cells and into copper-dependent enzymes. Its loss causes copper deficiency, with sparse kinky hair, neurodegeneration and connective tissue problems in infancy."),
    DiseaseFact("SERPINA1", "alpha-1-antitrypsin", "alpha-1-antitrypsin deficiency", AR,
                "Alpha-1-antitrypsin is a serine protease inhibitor that protects the lungs from neutrophil elastase. The Z variant (Glu342Lys) misfolds and is retained in liver cells, causing early emphysema and liver disease."),
    DiseaseFact("G6PD", "glucose-6-phosphate 1-dehydrogenase", "glucose-6-phosphate dehydrogenase deficiency", XL,
                "G6PD produces NADPH in the pentose phosphate pathway, which protects red blood cells from oxidative damage. Deficient cells break down after triggers such as fava beans, infections or certain drugs."),
    DiseaseFact("PKD1", "polycystin-1", "autosomal dominant polycystic kidney disease", AD,
                "Polycystin-1 works with polycystin-2 in the primary cilia of kidney tubule cells. Loss of function leads to many fluid-filled cysts that enlarge the kidneys and gradually destroy their function."),
    DiseaseFact("DMPK", "myotonin-protein kinase", "myotonic dystrophy type 1", AD,
                "An expanded CTG repeat in the 3' untranslated region produces a toxic RNA that sequesters splicing regulators such as MBNL1, causing myotonia, muscle weakness, cataracts and heart conduction defects."),
    DiseaseFact("FXN", "frataxin", "Friedreich ataxia", AR,
                "A GAA repeat expansion in the first intron reduces the amount of frataxin, a mitochondrial protein involved in iron-sulfur cluster assembly, causing progressive ataxia and hypertrophic cardiomyopathy."),
    DiseaseFact("APP", "amyloid-beta precursor protein", EOFAD, AD,
                "Sequential cleavage of APP by beta- and gamma-secretase releases amyloid-beta peptides. Disease variants increase the production or aggregation of amyloid-beta, which forms plaques in the brain."),
    DiseaseFact("PSEN1", "presenilin-1", EOFAD, AD,
                "Presenilin-1 is the catalytic subunit of gamma-secretase. Variants shift APP processing toward the longer, more aggregation-prone amyloid-beta 42 and are the most common known cause of early-onset familial Alzheimer disease."),
    DiseaseFact("SNCA", "alpha-synuclein", FPD, AD,
                "Alpha-synuclein is a presynaptic protein and the main component of Lewy bodies. Missense variants such as Ala53Thr, and duplications or triplications of the gene, cause early-onset Parkinson disease."),
    DiseaseFact("LRRK2", "leucine-rich repeat serine/threonine-protein kinase 2", FPD, AD,
                "The common Gly2019Ser variant increases the kinase activity of LRRK2. LRRK2 variants are the most frequent known cause of dominantly inherited Parkinson disease."),
    DiseaseFact("SOD1", "superoxide dismutase [Cu-Zn]", "amyotrophic lateral sclerosis type 1", AD,
                "SOD1 detoxifies superoxide radicals. Disease variants make the protein misfold and aggregate, a toxic gain of function that kills motor neurons."),
    DiseaseFact("MLH1", "DNA mismatch repair protein Mlh1", "Lynch syndrome", AD,
                "MLH1 is part of the DNA mismatch repair machinery. Inherited variants lead to microsatellite instability in tumours and a high risk of colorectal and endometrial cancer."),
    DiseaseFact("RET", "proto-oncogene tyrosine-protein kinase receptor Ret", "multiple endocrine neoplasia type 2", AD,
                "Activating variants make the RET receptor tyrosine kinase constitutively active, causing medullary thyroid carcinoma and pheochromocytoma. Loss-of-function variants instead cause Hirschsprung disease."),
    DiseaseFact("GLA", "alpha-galactosidase A", "Fabry disease", XL,
                "The lysosomal enzyme degrades globotriaosylceramide (Gb3). Its deficiency makes Gb3 accumulate in blood vessels, kidneys, heart and nerves, causing pain, kidney failure and heart disease."),
    DiseaseFact("GAA", "lysosomal alpha-glucosidase", "Pompe disease (glycogen storage disease type II)", AR,
                "Acid alpha-glucosidase breaks down glycogen inside lysosomes. Its deficiency makes glycogen build up in heart and skeletal muscle, leading to cardiomyopathy and muscle weakness."),
    DiseaseFact("IDUA", "alpha-L-iduronidase", "mucopolysaccharidosis type I (Hurler syndrome)", AR,
                "The enzyme helps degrade the glycosaminoglycans heparan sulfate and dermatan sulfate in lysosomes. Its deficiency makes them accumulate, affecting the skeleton, heart, airways and brain."),
    DiseaseFact("TSC2", "tuberin", TSC, AD,
                "Tuberin is the GTPase-activating subunit of the TSC complex, which inhibits mTORC1 by switching off the small GTPase Rheb. Loss of function lets mTORC1 run unchecked, producing benign tumours in the brain, skin, kidneys and heart."),
    DiseaseFact("TSC1", "hamartin", TSC, AD,
                "Hamartin stabilises tuberin in the TSC complex that restrains mTORC1 signalling. Its loss causes the same kinds of hamartomas as TSC2 variants, usually with a milder course."),
    DiseaseFact("PTEN", "phosphatidylinositol 3,4,5-trisphosphate 3-phosphatase PTEN", "PTEN hamartoma tumor syndrome (Cowden syndrome)", AD,
                "PTEN removes a phosphate from PIP3 and so opposes PI3K-AKT signalling. Loss of function causes multiple hamartomas and an increased risk of breast, thyroid and endometrial cancer."),
    DiseaseFact("MYH7", "myosin-7 (beta-myosin heavy chain)", "familial hypertrophic cardiomyopathy", AD,
                "Beta-myosin heavy chain is the motor protein of the thick filament in heart muscle. Missense variants alter force generation and lead to thickening of the heart wall, arrhythmias and a risk of sudden cardiac death."),
    DiseaseFact("KCNQ1", "potassium voltage-gated channel subfamily KQT member 1", "long QT syndrome type 1", AD,
                "KCNQ1 forms the pore of the slow delayed-rectifier potassium current (IKs) that helps end each heartbeat. Loss of function prolongs repolarisation and can trigger dangerous arrhythmias, often during exercise."),
    DiseaseFact("GJB2", "gap junction beta-2 protein (connexin 26)", "nonsyndromic hearing loss DFNB1", AR,
                "Connexin 26 forms gap junctions that recycle potassium ions in the cochlea. Biallelic variants such as 35delG are the most common genetic cause of congenital hearing loss in many populations."),
    DiseaseFact("ABCD1", "ATP-binding cassette sub-family D member 1", "X-linked adrenoleukodystrophy", XL,
                "ABCD1 imports very-long-chain fatty acids into peroxisomes for breakdown. Its loss makes these fatty acids accumulate, damaging myelin in the nervous system and the adrenal cortex."),
    DiseaseFact("OTC", "ornithine transcarbamylase", "ornithine transcarbamylase deficiency", XL,
                "OTC catalyses a mitochondrial step of the urea cycle. Its deficiency causes ammonia to accumulate in the blood, which can lead to coma in affected newborn boys."),
    DiseaseFact("HPRT1", "hypoxanthine-guanine phosphoribosyltransferase", "Lesch-Nyhan syndrome", XLR,
                "HPRT recycles purines through the salvage pathway. Complete deficiency causes overproduction of uric acid, a severe movement disorder and compulsive self-injury."),
    DiseaseFact("NOTCH3", "neurogenic locus notch homolog protein 3", "CADASIL (cerebral autosomal dominant arteriopathy with subcortical infarcts and leukoencephalopathy)", AD,
                "Variants that change the number of cysteines in the extracellular EGF-like repeats make the receptor's ectodomain accumulate in the walls of small arteries, leading to strokes and dementia."),
    DiseaseFact("JAK2", "tyrosine-protein kinase JAK2", "polycythemia vera", "somatic (acquired, not inherited)",
                "The acquired Val617Phe variant in the pseudokinase domain makes JAK2 constantly active, driving overproduction of blood cells; it is found in most people with polycythemia vera."),
    DiseaseFact("PRNP", "major prion protein", "familial Creutzfeldt-Jakob disease", AD,
                "Variants promote conversion of the prion protein into a misfolded, protease-resistant form that propagates itself and destroys neurons. Other PRNP variants cause fatal familial insomnia and Gerstmann-Straussler-Scheinker disease."),
    DiseaseFact("CYP21A2", "steroid 21-hydroxylase", "congenital adrenal hyperplasia due to 21-hydroxylase deficiency", AR,
                "The enzyme is needed to make cortisol and aldosterone in the adrenal cortex. Its deficiency diverts steroid precursors toward androgens, causing virilisation and, in severe forms, salt wasting."),
    DiseaseFact("RHO", "rhodopsin", "autosomal dominant retinitis pigmentosa", AD,
                "Rhodopsin is the light-sensitive receptor of rod photoreceptors. Misfolding variants such as Pro23His make rods die, causing night blindness and progressive loss of peripheral vision."),
    DiseaseFact("TTR", "transthyretin", "hereditary transthyretin amyloidosis", AD,
                "Transthyretin carries thyroxine and retinol-binding protein in the blood. Destabilising variants such as Val30Met make the tetramer fall apart into monomers that form amyloid fibrils in nerves and the heart."),
    DiseaseFact("MEFV", "pyrin", "familial Mediterranean fever", AR,
                "Pyrin regulates the inflammasome of innate immune cells. Variants cause recurrent episodes of fever with painful inflammation of the abdomen, chest or joints, and a risk of AA amyloidosis."),
    DiseaseFact("COL4A5", "collagen alpha-5(IV) chain", "X-linked Alport syndrome", XL,
                "Type IV collagen forms the basement membranes of the kidney glomerulus, inner ear and eye. Variants cause progressive kidney disease with hearing loss and eye abnormalities."),
    DiseaseFact("CDH1", "cadherin-1 (E-cadherin)", "hereditary diffuse gastric cancer", AD,
                "E-cadherin holds epithelial cells together at adherens junctions. Inherited loss-of-function variants greatly increase the risk of diffuse gastric cancer and lobular breast cancer."),
)
